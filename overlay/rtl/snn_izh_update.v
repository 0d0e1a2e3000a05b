// snn_izh_update: one timestep of one Izhikevich neuron, as overlay/CONTRACT.md states it,
// as a pipeline that takes a new neuron every clock cycle.
//
//   if (!first && v_prev > threshold) { v = c; u = sat16(u_prev + d); } else { v = v_prev; u = u_prev; }
//   sq     = (v * v) >>> q                              floor, q = weight_shift + frac_bits
//   v_next = sat16(v + ((a1*sq + a2*v + a3*u) >>> 12) + a0 + drive)
//   u_next = sat16(u + ((b1*v + b2*u) >>> 12) + b3)    the same (old) v
//   spike  = v_next > threshold
//
// Coefficients a1..b2 carry 12 fraction bits; levels are in state LSBs. `first` marks a
// sample's first timestep, which sees no previous spike (s[-1] = 0) even when
// v_init > threshold. The inputs are taken every cycle; the outputs are those of the
// inputs applied LATENCY (13) clock edges earlier. The coefficients and levels are
// per-layer constants: they must not change while a neuron is in the pipeline.
//
// Seven DSP48E2 (snn_dsp), each with its input, multiplier and output registers:
//   sqr   v * v                                   -> sq = (v*v) >>> q in fabric
//   u0    b1 * v           -> u1  b2 * u + PCIN   = b1*v + b2*u
//   v0    a2 * v           -> v1  a3 * u + PCIN   = a2*v + a3*u = X
//   v2    a1 * sq[16:0] + X                       = P1
//   v3    a1 * sq[30:17] + (P1 >>> 17)            = P2
// a1 * sq is 16 x 31 bits, wider than one DSP: v2 and v3 are the DSP48E2's own cascade
// for partial products (PCIN shifted by 17), so that with S = a1*sq + a2*v + a3*u,
// S = P2 * 2^17 + P1[16:0] and S >>> 12 = {P2, P1[16:12]}, exactly, with no fabric
// adder tree. The v sum before saturation, (S >>> 12) + v + a0 + drive, reaches about
// -2^35 and is kept at SUM_W = 38 bits.
//
//   edge 1      fired, u_prev + d
//   edge 2      v, u after the reset
//   edge 3      v + a0, u + b3; sqr and u0 take v
//   edge 4      v + a0 + drive; u1 takes u
//   edge 5      v0 takes v; sqr's product
//   edge 6      sq = (v*v) >>> q; v1 takes u; u1's sum
//   edge 7      u sum; v2 takes sq[16:0]
//   edge 8      saturated u; v3 takes sq[30:17]
//   edge 10     P2 (v3's output)
//   edge 11     v sum
//   edge 12     saturated v
//   edge 13     v_next, u_next, spike
//
// Parameters:
//   STATE_W  v and u, signed, saturating: 16 (the contract's; the DSP split assumes it)
//   ACC_W    drive width, signed: 24, as for the LIF
`default_nettype none

module snn_izh_update #(
    parameter integer STATE_W = 16,
    parameter integer ACC_W   = 24
) (
    input  wire                      clk,
    input  wire signed [STATE_W-1:0] v_prev,
    input  wire signed [STATE_W-1:0] u_prev,
    input  wire signed [ACC_W-1:0]   drive,
    input  wire                      first,
    input  wire        [4:0]         q,
    input  wire signed [15:0]        a1, a2, a3, b1, b2,
    input  wire signed [STATE_W-1:0] a0, b3, c, d, threshold,
    output reg  signed [STATE_W-1:0] v_next,
    output reg  signed [STATE_W-1:0] u_next,
    output reg                       spike
);
    localparam integer LATENCY = 13;
    localparam integer FRAC    = 12;  // fraction bits of a1..b2
    localparam integer SUM_W   = 38;  // v sum before saturation
    localparam integer BASE_W  = ACC_W + 1;
    localparam signed [SUM_W-1:0] STATE_MAX = (1 <<< (STATE_W - 1)) - 1;
    localparam signed [SUM_W-1:0] STATE_MIN = -(1 <<< (STATE_W - 1));

    generate
        if (STATE_W != 16 || ACC_W < 17 || ACC_W > 27) begin : bad_widths
            $error("snn_izh_update: STATE_W must be 16 and ACC_W 17..27");
        end
    endgenerate

    function automatic signed [STATE_W-1:0] sat;
        input signed [SUM_W-1:0] x;
        sat = (x > STATE_MAX) ? STATE_MAX[STATE_W-1:0] : (x < STATE_MIN) ? STATE_MIN[STATE_W-1:0] : x[STATE_W-1:0];
    endfunction

    // ---------------------------------------------------------------- reset of the previous spike
    reg                      fired_1;
    reg signed [STATE_W-1:0] v_1, u_1;
    reg signed [STATE_W:0]   u_bumped_1;
    reg signed [ACC_W-1:0]   drive_1, drive_2, drive_3;
    reg signed [STATE_W-1:0] v_2, u_2, v_3, u_3, v_4, u_4, u_5;

    always @(posedge clk) begin
        fired_1    <= !first && (v_prev > threshold);
        v_1        <= v_prev;
        u_1        <= u_prev;
        u_bumped_1 <= u_prev + d;
        drive_1    <= drive;
        v_2        <= fired_1 ? c : v_1;
        u_2        <= fired_1 ? sat(u_bumped_1) : u_1;
        drive_2    <= drive_1;
        drive_3    <= drive_2;
        v_3 <= v_2; u_3 <= u_2;
        v_4 <= v_3; u_4 <= u_3;
        u_5 <= u_4;
    end

    // ---------------------------------------------------------------- u: b1*v + b2*u on u0 -> u1
    wire signed [47:0] u0_pcout, u_products_6;

    snn_dsp #(.A_W(STATE_W), .B_W(16), .Z_SEL("ZERO")) u0 (
        .clk(clk), .a(v_2), .b(b1), .pcin(48'sd0), .p(), .pcout(u0_pcout)
    );
    snn_dsp #(.A_W(STATE_W), .B_W(16), .Z_SEL("PCIN")) u1 (
        .clk(clk), .a(u_3), .b(b2), .pcin(u0_pcout), .p(u_products_6), .pcout()
    );

    reg signed [STATE_W:0] u_level_3, u_level_4, u_level_5, u_level_6;  // u + b3
    reg signed [23:0]      u_sum_7;
    reg signed [STATE_W-1:0] u_next_8, u_next_9, u_next_10, u_next_11, u_next_12;
    wire signed [47:0] u_scaled_6 = u_products_6 >>> FRAC;

    always @(posedge clk) begin
        u_level_3 <= u_2 + b3;
        u_level_4 <= u_level_3;
        u_level_5 <= u_level_4;
        u_level_6 <= u_level_5;
        u_sum_7   <= $signed(u_scaled_6[23:0]) + u_level_6;
        u_next_8  <= sat(u_sum_7);
        u_next_9  <= u_next_8;
        u_next_10 <= u_next_9;
        u_next_11 <= u_next_10;
        u_next_12 <= u_next_11;
    end

    // ---------------------------------------------------------------- v: the square
    wire signed [47:0] square_5;

    snn_dsp #(.A_W(STATE_W), .B_W(STATE_W), .Z_SEL("ZERO")) sqr (
        .clk(clk), .a(v_2), .b(v_2), .pcin(48'sd0), .p(square_5), .pcout()
    );

    reg [30:0] sq_6, sq_7;  // (v*v) >>> q: v*v is in [0, 2^30]
    always @(posedge clk) begin
        sq_6 <= square_5[30:0] >> q;
        sq_7 <= sq_6;
    end

    // ---------------------------------------------------------------- v: a2*v + a3*u + a1*sq on v0 .. v3
    wire signed [47:0] v0_pcout, v1_pcout, v2_pcout, p1_9, p2_10;

    snn_dsp #(.A_W(STATE_W), .B_W(16), .Z_SEL("ZERO")) v0 (
        .clk(clk), .a(v_4), .b(a2), .pcin(48'sd0), .p(), .pcout(v0_pcout)
    );
    snn_dsp #(.A_W(STATE_W), .B_W(16), .Z_SEL("PCIN")) v1 (
        .clk(clk), .a(u_5), .b(a3), .pcin(v0_pcout), .p(), .pcout(v1_pcout)
    );
    snn_dsp #(.A_W(16), .B_W(18), .Z_SEL("PCIN")) v2 (
        .clk(clk), .a(a1), .b($signed({1'b0, sq_6[16:0]})), .pcin(v1_pcout), .p(p1_9), .pcout(v2_pcout)
    );
    snn_dsp #(.A_W(16), .B_W(18), .Z_SEL("PCIN_SHR17")) v3 (
        .clk(clk), .a(a1), .b($signed({4'b0, sq_7[30:17]})), .pcin(v2_pcout), .p(p2_10), .pcout()
    );

    // v + a0 + drive, delayed to meet P2
    reg signed [STATE_W:0]  v_level_3;
    reg signed [BASE_W-1:0] base [4:10];
    reg        [4:0]        p1_bits_10;  // P1[16:12]
    reg signed [SUM_W-1:0]  v_sum_11;
    reg signed [STATE_W-1:0] v_next_12;
    integer k;

    always @(posedge clk) begin
        v_level_3 <= v_2 + a0;
        base[4]   <= v_level_3 + drive_3;
        for (k = 5; k <= 10; k = k + 1)
            base[k] <= base[k-1];
        p1_bits_10 <= p1_9[16:12];
        v_sum_11   <= $signed({p2_10[31:0], p1_bits_10}) + base[10];
        v_next_12  <= sat(v_sum_11);
        v_next     <= v_next_12;
        u_next     <= u_next_12;
        spike      <= v_next_12 > threshold;
    end
endmodule

`default_nettype wire
