// snn_izh_update: one timestep of one Izhikevich neuron, as overlay/CONTRACT.md states it.
//
//   if (!first && v_prev > threshold) { v = c; u = sat16(u_prev + d); } else { v = v_prev; u = u_prev; }
//   sq     = (v * v) >>> q                              floor, q = weight_shift + frac_bits
//   v_next = sat16(v + ((a1*sq + a2*v + a3*u) >>> 12) + a0 + drive)
//   u_next = sat16(u + ((b1*v + b2*u) >>> 12) + b3)    the same (old) v
//   spike  = v_next > threshold
//
// Coefficients a1..b2 carry 12 fraction bits; levels are in state LSBs. The products
// fit a 48-bit accumulator (|a1*sq| <= 2^45). `first` marks a sample's first timestep,
// which sees no previous spike (s[-1] = 0) even when v_init > threshold. Purely combinational.
`default_nettype none

module snn_izh_update #(
    parameter integer STATE_W = 16,
    parameter integer ACC_W   = 24,  // drive width, as for the LIF
    parameter integer COEF_W  = 16,
    parameter integer FRAC    = 12,
    parameter integer SUM_W   = 48
) (
    input  wire signed [STATE_W-1:0] v_prev,
    input  wire signed [STATE_W-1:0] u_prev,
    input  wire signed [ACC_W-1:0]   drive,
    input  wire        [4:0]         q,
    input  wire                      first,
    input  wire signed [COEF_W-1:0]  a1, a2, a3, b1, b2,
    input  wire signed [STATE_W-1:0] a0, b3, c, d, threshold,
    output wire signed [STATE_W-1:0] v_next,
    output wire signed [STATE_W-1:0] u_next,
    output wire                      spike
);
    localparam signed [SUM_W-1:0] STATE_MAX = (1 <<< (STATE_W - 1)) - 1;
    localparam signed [SUM_W-1:0] STATE_MIN = -(1 <<< (STATE_W - 1));

    function automatic signed [STATE_W-1:0] sat;
        input signed [SUM_W-1:0] x;
        sat = (x > STATE_MAX) ? STATE_MAX[STATE_W-1:0] : (x < STATE_MIN) ? STATE_MIN[STATE_W-1:0] : x[STATE_W-1:0];
    endfunction

    // reset of the previous step's spike
    wire                     fired = !first && (v_prev > threshold);
    wire signed [SUM_W-1:0]  u_bumped = $signed(u_prev) + $signed(d);
    wire signed [STATE_W-1:0] v = fired ? c : v_prev;
    wire signed [STATE_W-1:0] u = fired ? sat(u_bumped) : u_prev;

    // widen everything once, then compute at SUM_W bits
    wire signed [SUM_W-1:0] v_w = v, u_w = u, drive_w = drive;
    wire signed [SUM_W-1:0] a0_w = a0, b3_w = b3;
    wire signed [SUM_W-1:0] a1_w = a1, a2_w = a2, a3_w = a3, b1_w = b1, b2_w = b2;

    wire signed [SUM_W-1:0] square = (v_w * v_w) >>> q;
    wire signed [SUM_W-1:0] dv     = ((a1_w * square + a2_w * v_w + a3_w * u_w) >>> FRAC) + a0_w + drive_w;
    wire signed [SUM_W-1:0] du     = ((b1_w * v_w + b2_w * u_w) >>> FRAC) + b3_w;

    assign v_next = sat(v_w + dv);
    assign u_next = sat(u_w + du);
    assign spike  = v_next > threshold;
endmodule

`default_nettype wire
