// snn_lane: one of the core's LANES parallel neuron slices.
//
// Lane k holds, for every state word w (neurons w*LANES + k of the loaded network):
//   acc[w]  the synaptic current I of the layer being computed, in weight LSBs
//           (|I| <= 7 * FAN_IN, so ACC_W = 16 bits suffice up to FAN_IN = 4681);
//   v[w], u[w]  the neuron state, 16-bit state LSBs (u stays u_init for LIF layers);
//   cnt[w]  the output layer's spike count of the current sample.
// All four are small memories with one write port and an asynchronous read, which
// synthesis maps to distributed RAM: a read-modify-write takes one cycle.
//
// The neuron update is a two-stage pipeline driven by the core:
//   stage 0 (upd_load):  I, v, u of word upd_addr are captured; acc[upd_addr] <- 0
//   stage 1 (upd_write): v, u of word wb_addr <- the LIF or Izhikevich update of
//                        the captured values with drive = I << frac; `spike` is valid.
`default_nettype none

module snn_lane #(
    parameter integer WORDS   = 64,  // state words (NEURONS / LANES)
    parameter integer ADDR_W  = 6,
    parameter integer ACC_W   = 16,
    parameter integer STATE_W = 16,
    parameter integer CNT_W   = 16
) (
    input  wire                      clk,
    // accumulate: acc[acc_addr] += weight (one 4-bit two's complement weight)
    input  wire                      acc_add,
    input  wire        [ADDR_W-1:0]  acc_addr,
    input  wire signed [3:0]         weight,
    // clear acc[init_addr] and cnt[init_addr]; write v, u of init_addr with the initial state
    input  wire                      init,
    input  wire        [ADDR_W-1:0]  init_addr,
    input  wire signed [STATE_W-1:0] v_init,
    input  wire signed [STATE_W-1:0] u_init,
    // update pipeline
    input  wire                      upd_load,
    input  wire        [ADDR_W-1:0]  upd_addr,        // the layer's word, for acc
    input  wire        [ADDR_W-1:0]  upd_state_addr,  // the network's word, for v and u
    input  wire                      upd_write,
    input  wire        [ADDR_W-1:0]  wb_state_addr,
    input  wire        [ADDR_W-1:0]  wb_cnt_addr,
    input  wire                      count_spikes, // the layer is the output layer
    input  wire                      first,        // stage 1 computes timestep 0
    input  wire                      is_izh,
    input  wire        [3:0]         frac,
    input  wire        [4:0]         q,
    input  wire        [8:0]         beta,
    input  wire signed [STATE_W-1:0] threshold,
    input  wire signed [15:0]        a1, a2, a3, b1, b2,
    input  wire signed [STATE_W-1:0] a0, b3, c, d,
    output wire                      spike,
    // read-out
    input  wire        [ADDR_W-1:0]  rd_state_addr,
    output wire signed [STATE_W-1:0] rd_v,
    output wire signed [STATE_W-1:0] rd_u,
    input  wire        [ADDR_W-1:0]  rd_cnt_addr,
    output wire        [CNT_W-1:0]   rd_cnt
);
    localparam integer DRIVE_W = 24;

    reg signed [ACC_W-1:0]   acc_mem [0:WORDS-1];
    reg signed [STATE_W-1:0] v_mem   [0:WORDS-1];
    reg signed [STATE_W-1:0] u_mem   [0:WORDS-1];
    reg        [CNT_W-1:0]   cnt_mem [0:WORDS-1];

    // stage-1 registers
    reg signed [ACC_W-1:0]   s1_acc;
    reg signed [STATE_W-1:0] s1_v, s1_u;

    wire [ADDR_W-1:0] acc_port = init ? init_addr : (upd_load ? upd_addr : acc_addr);

    always @(posedge clk) begin
        if (init)
            acc_mem[acc_port] <= {ACC_W{1'b0}};
        else if (upd_load)
            acc_mem[acc_port] <= {ACC_W{1'b0}};
        else if (acc_add)
            acc_mem[acc_port] <= acc_mem[acc_port] + {{(ACC_W - 4){weight[3]}}, weight};
    end

    always @(posedge clk) begin
        if (upd_load) begin
            s1_acc <= acc_mem[acc_port];
            s1_v   <= v_mem[upd_state_addr];
            s1_u   <= u_mem[upd_state_addr];
        end
    end

    // stage 1: both neuron models on the captured values; the layer's model is chosen
    wire signed [DRIVE_W-1:0] drive = $signed({{(DRIVE_W - ACC_W){s1_acc[ACC_W-1]}}, s1_acc}) <<< frac;
    wire signed [STATE_W-1:0] lif_v, izh_v, izh_u;
    wire                      lif_spike, izh_spike;

    snn_lif_update #(.STATE_W(STATE_W), .ACC_W(DRIVE_W)) lif (
        .v_prev(s1_v), .drive(drive), .beta(beta), .threshold(threshold),
        .v_next(lif_v), .spike(lif_spike)
    );
    snn_izh_update #(.STATE_W(STATE_W), .ACC_W(DRIVE_W)) izh (
        .v_prev(s1_v), .u_prev(s1_u), .drive(drive), .q(q), .first(first),
        .a1(a1), .a2(a2), .a3(a3), .b1(b1), .b2(b2), .a0(a0), .b3(b3), .c(c), .d(d),
        .threshold(threshold), .v_next(izh_v), .u_next(izh_u), .spike(izh_spike)
    );
    assign spike = is_izh ? izh_spike : lif_spike;

    wire [ADDR_W-1:0] state_port = init ? init_addr : wb_state_addr;
    always @(posedge clk) begin
        if (init) begin
            v_mem[state_port] <= v_init;
            u_mem[state_port] <= u_init;
        end else if (upd_write) begin
            v_mem[state_port] <= is_izh ? izh_v : lif_v;
            u_mem[state_port] <= is_izh ? izh_u : s1_u;
        end
    end

    wire [ADDR_W-1:0] cnt_port = init ? init_addr : wb_cnt_addr;
    always @(posedge clk) begin
        if (init)
            cnt_mem[cnt_port] <= {CNT_W{1'b0}};
        else if (upd_write && count_spikes && spike)
            cnt_mem[cnt_port] <= cnt_mem[cnt_port] + 1'b1;
    end

    assign rd_v   = v_mem[rd_state_addr];
    assign rd_u   = u_mem[rd_state_addr];
    assign rd_cnt = cnt_mem[rd_cnt_addr];
endmodule

`default_nettype wire
