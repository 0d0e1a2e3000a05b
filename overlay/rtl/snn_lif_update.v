// snn_lif_update: one timestep of one LIF neuron, as overlay/CONTRACT.md states it.
//
//   leak   = (beta * v_prev) >>> 8                  floor (arithmetic shift)
//   reset  = (v_prev > threshold) ? threshold : 0   previous step's spike
//   acc    = leak + drive - reset                   24-bit signed; export proves no overflow
//   v_next = sat16(acc)
//   spike  = v_next > threshold
//
// Purely combinational: the core registers v between timesteps.
`default_nettype none

module snn_lif_update #(
    parameter integer STATE_W = 16,  // membrane v, signed, saturating
    parameter integer ACC_W   = 24,  // pre-saturation sum, signed
    parameter integer BETA_W  = 9    // beta_q in [0, 256]
) (
    input  wire signed [STATE_W-1:0] v_prev,
    input  wire signed [ACC_W-1:0]   drive,      // I << F, state LSBs
    input  wire        [BETA_W-1:0]  beta,
    input  wire signed [STATE_W-1:0] threshold,
    output wire signed [STATE_W-1:0] v_next,
    output wire                      spike
);
    localparam integer PROD_W = STATE_W + BETA_W + 1;
    localparam signed [ACC_W-1:0] STATE_MAX = (1 <<< (STATE_W - 1)) - 1;
    localparam signed [ACC_W-1:0] STATE_MIN = -(1 <<< (STATE_W - 1));

    wire signed [PROD_W-1:0] product = v_prev * $signed({1'b0, beta});
    wire signed [PROD_W-1:0] leak    = product >>> 8;
    wire                     fired   = v_prev > threshold;
    wire signed [ACC_W-1:0]  reset   = fired ? {{(ACC_W - STATE_W){threshold[STATE_W-1]}}, threshold} : {ACC_W{1'b0}};
    wire signed [ACC_W-1:0]  acc     = leak[ACC_W-1:0] + drive - reset;

    assign v_next = (acc > STATE_MAX) ? STATE_MAX[STATE_W-1:0] :
                    (acc < STATE_MIN) ? STATE_MIN[STATE_W-1:0] : acc[STATE_W-1:0];
    assign spike  = v_next > threshold;
endmodule

`default_nettype wire
