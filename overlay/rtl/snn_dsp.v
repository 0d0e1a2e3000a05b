// snn_dsp: one DSP48E2 slice as the core uses it, fully pipelined:
//
//   p = a * b + z,   z = 0, pcin or (pcin >>> 17)   (Z_SEL "ZERO", "PCIN", "PCIN_SHR17")
//
// a and b pass IN_STAGES input registers (AREG = BREG), then the multiplier register
// (MREG) and the output register (PREG): p holds the result of the a and b applied
// IN_STAGES + 2 clock edges earlier, and adds the pcin present at the last of them.
// pcout is p on the dedicated cascade; pcin must come from another snn_dsp's pcout.
// A product wider than one slice (a1 * sq in snn_izh_update) is a chain of these with
// Z_SEL = "PCIN_SHR17": the DSP48E2's own way of summing partial products.
//
// For synthesis (SYNTHESIS defined: Vivado, Yosys) this is a DSP48E2 primitive with its
// pipeline registers on; for simulation, a behavioural model with the same latency.
//
// Parameters:
//   A_W        width of a, signed, 1..27 (the multiplier's A input)
//   B_W        width of b, signed, 1..18
//   IN_STAGES  input registers of a and b, 1 or 2
//   Z_SEL      what is added to the product, as above
`default_nettype none

module snn_dsp #(
    parameter integer A_W       = 27,
    parameter integer B_W       = 18,
    parameter integer IN_STAGES = 1,
    parameter         Z_SEL     = "ZERO"
) (
    input  wire                  clk,
    input  wire signed [A_W-1:0] a,
    input  wire signed [B_W-1:0] b,
    input  wire signed [47:0]    pcin,
    output wire signed [47:0]    p,
    output wire signed [47:0]    pcout
);
    generate
        if (A_W < 1 || A_W > 27) begin : bad_a_w
            $error("snn_dsp: A_W must be 1..27");
        end
        if (B_W < 1 || B_W > 18) begin : bad_b_w
            $error("snn_dsp: B_W must be 1..18");
        end
        if (IN_STAGES < 1 || IN_STAGES > 2) begin : bad_in_stages
            $error("snn_dsp: IN_STAGES must be 1 or 2");
        end
        if (Z_SEL != "ZERO" && Z_SEL != "PCIN" && Z_SEL != "PCIN_SHR17") begin : bad_z_sel
            $error("snn_dsp: Z_SEL must be ZERO, PCIN or PCIN_SHR17");
        end
    endgenerate

    // OPMODE: W = 0, Z as chosen, Y = X = M (the multiplier's two partial products)
    localparam [2:0] Z_MUX = (Z_SEL == "PCIN") ? 3'b001 : (Z_SEL == "PCIN_SHR17") ? 3'b101 : 3'b000;

`ifdef SYNTHESIS
    wire [29:0] a_port = {{(30 - A_W){a[A_W-1]}}, a};
    wire [17:0] b_port = {{(18 - B_W){b[B_W-1]}}, b};

    DSP48E2 #(
        .AMULTSEL("A"), .A_INPUT("DIRECT"), .BMULTSEL("B"), .B_INPUT("DIRECT"),
        .PREADDINSEL("A"), .USE_MULT("MULTIPLY"), .USE_SIMD("ONE48"),
        .AREG(IN_STAGES), .ACASCREG(IN_STAGES), .BREG(IN_STAGES), .BCASCREG(IN_STAGES),
        .MREG(1), .PREG(1), .CREG(0), .DREG(0), .ADREG(0),
        .INMODEREG(0), .OPMODEREG(0), .ALUMODEREG(0), .CARRYINREG(0), .CARRYINSELREG(0)
    ) dsp (
        .CLK(clk),
        .A(a_port), .B(b_port), .C(48'd0), .D(27'd0), .PCIN(pcin),
        .ACIN(30'd0), .BCIN(18'd0), .CARRYCASCIN(1'b0), .MULTSIGNIN(1'b0), .CARRYIN(1'b0),
        .OPMODE({2'b00, Z_MUX, 2'b01, 2'b01}), .ALUMODE(4'b0000), .INMODE(5'b00000), .CARRYINSEL(3'b000),
        .CEA1(1'b1), .CEA2(1'b1), .CEB1(1'b1), .CEB2(1'b1), .CEM(1'b1), .CEP(1'b1),
        .CEC(1'b0), .CED(1'b0), .CEAD(1'b0), .CECTRL(1'b0), .CEINMODE(1'b0), .CEALUMODE(1'b0),
        .CECARRYIN(1'b0),
        .RSTA(1'b0), .RSTB(1'b0), .RSTC(1'b0), .RSTD(1'b0), .RSTM(1'b0), .RSTP(1'b0),
        .RSTCTRL(1'b0), .RSTINMODE(1'b0), .RSTALUMODE(1'b0), .RSTALLCARRYIN(1'b0),
        .P(p), .PCOUT(pcout),
        .ACOUT(), .BCOUT(), .CARRYCASCOUT(), .CARRYOUT(), .MULTSIGNOUT(), .OVERFLOW(),
        .PATTERNBDETECT(), .PATTERNDETECT(), .UNDERFLOW(), .XOROUT()
    );
`else
    reg signed [A_W-1:0] a_reg [0:IN_STAGES-1];
    reg signed [B_W-1:0] b_reg [0:IN_STAGES-1];
    reg signed [47:0]    m_reg, p_reg;
    wire signed [47:0]   z = (Z_SEL == "PCIN") ? pcin : (Z_SEL == "PCIN_SHR17") ? (pcin >>> 17) : 48'sd0;
    integer i;

    always @(posedge clk) begin
        a_reg[0] <= a;
        b_reg[0] <= b;
        for (i = 1; i < IN_STAGES; i = i + 1) begin
            a_reg[i] <= a_reg[i-1];
            b_reg[i] <= b_reg[i-1];
        end
        m_reg <= a_reg[IN_STAGES-1] * b_reg[IN_STAGES-1];
        p_reg <= m_reg + z;
    end

    assign p     = p_reg;
    assign pcout = p_reg;
`endif
endmodule

`default_nettype wire
