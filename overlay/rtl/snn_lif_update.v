// snn_lif_update: one timestep of one LIF neuron, as overlay/CONTRACT.md states it,
// as a pipeline that takes a new neuron every clock cycle.
//
//   leak   = (beta * v_prev) >>> 8                  floor (arithmetic shift)
//   reset  = (v_prev > threshold) ? threshold : 0   previous step's spike
//   acc    = leak + drive - reset                   24-bit signed; export proves no overflow
//   v_next = sat16(acc)
//   spike  = v_next > threshold
//
// v_prev and drive are taken every cycle; v_next and spike are those of the inputs
// applied LATENCY (6) clock edges earlier. beta and threshold are per-layer constants:
// they must not change while a neuron is in the pipeline.
//
//   edge 1  fired = v_prev > threshold; beta * v_prev enters the DSP (AREG/BREG)
//   edge 2  rest = drive - reset; DSP MREG
//   edge 3  DSP PREG: beta * v_prev
//   edge 4  acc = (product >>> 8) + rest
//   edge 5  saturated v
//   edge 6  v_next, spike
//
// Parameters:
//   STATE_W  membrane v, signed, saturating: 16 (the contract's)
//   ACC_W    pre-saturation sum and drive, signed, at most 27: 24 (the contract's)
//   BETA_W   beta_q, unsigned, beta in [0, 2^(BETA_W-1)]: 9
`default_nettype none

module snn_lif_update #(
    parameter integer STATE_W = 16,
    parameter integer ACC_W   = 24,
    parameter integer BETA_W  = 9
) (
    input  wire                      clk,
    input  wire signed [STATE_W-1:0] v_prev,
    input  wire signed [ACC_W-1:0]   drive,      // I << F, state LSBs
    input  wire        [BETA_W-1:0]  beta,
    input  wire signed [STATE_W-1:0] threshold,
    output reg  signed [STATE_W-1:0] v_next,
    output reg                       spike
);
    localparam integer LATENCY = 6;
    localparam signed [ACC_W-1:0] STATE_MAX = (1 <<< (STATE_W - 1)) - 1;
    localparam signed [ACC_W-1:0] STATE_MIN = -(1 <<< (STATE_W - 1));

    generate
        if (STATE_W + BETA_W + 1 > 48 || ACC_W > 27 || ACC_W < STATE_W + 1) begin : bad_widths
            $error("snn_lif_update: STATE_W + BETA_W + 1 <= 48 and STATE_W < ACC_W <= 27");
        end
    endgenerate

    // edge 1
    reg                      fired_1;
    reg signed [ACC_W-1:0]   drive_1;
    // edge 2
    reg signed [ACC_W-1:0]   rest_2;
    // edge 3
    reg signed [ACC_W-1:0]   rest_3;
    // edge 4
    reg signed [ACC_W-1:0]   acc_4;
    // edge 5
    reg signed [STATE_W-1:0] v_5;

    wire signed [47:0] product_3;  // beta * v_prev of edge 0, at edge 3

    snn_dsp #(.A_W(STATE_W), .B_W(BETA_W + 1), .IN_STAGES(1), .Z_SEL("ZERO")) leak_mult (
        .clk(clk), .a(v_prev), .b($signed({1'b0, beta})), .pcin(48'sd0), .p(product_3), .pcout()
    );

    wire signed [47:0] leak_3 = product_3 >>> 8;

    always @(posedge clk) begin
        fired_1 <= v_prev > threshold;
        drive_1 <= drive;
        rest_2  <= fired_1 ? drive_1 - threshold : drive_1;
        rest_3  <= rest_2;
        acc_4   <= $signed(leak_3[ACC_W-1:0]) + rest_3;
        v_5     <= (acc_4 > STATE_MAX) ? STATE_MAX[STATE_W-1:0] :
                   (acc_4 < STATE_MIN) ? STATE_MIN[STATE_W-1:0] : acc_4[STATE_W-1:0];
        v_next  <= v_5;
        spike   <= v_5 > threshold;
    end
endmodule

`default_nettype wire
