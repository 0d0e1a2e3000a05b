// snn_lane: one of the core's LANES parallel neuron-update slices.
//
// Lane k holds, for every state word w (neurons w*LANES + k of the loaded network):
//   v[w], u[w]  the neuron state, 16-bit state LSBs (u unused for LIF layers);
//   cnt[w]      the output layer's spike count of the current sample (w is the word
//               within that layer).
// These are small memories with one write port and asynchronous reads, which
// synthesis maps to distributed RAM; the counts' read-out is registered: rd_cnt is
// the count of the word rd_cnt_addr named a cycle before.
//
// The neuron update is a pipeline that takes one state word per cycle:
//   cycle 0             upd_valid: v and u of word upd_addr are read
//   cycle 1             acc (the synaptic current I, from snn_accumulator) arrives;
//                       v_prev = v_init, u_prev = u_init on the sample's first step
//                       (nothing is carried over), drive = I << frac
//   cycles 1 .. 14      the LIF (6 edges, then delayed 7) and the Izhikevich (13 edges)
//                       units both compute; the layer's model is chosen at the end
//   cycle 14            out_valid: spike is valid for out_word; v, u and the count
//                       are written at the edge that ends the cycle
// so the results of a word issued in cycle X are in the memories from cycle
// X + LATENCY (15). The per-layer parameters are taken on param_load, which the core
// pulses once per layer and step, while no word is in the pipeline. flush empties
// the pipeline: of what is in it, at most the word in its last stage is still written.
//
// Parameters:
//   WORDS    state words (NEURONS / LANES)
//   ADDR_W   address bits of a state word, at least clog2(WORDS), at least 1
//   ACC_W    synaptic current I, signed: 16 covers |I| <= 7 * FAN_IN up to FAN_IN = 4681
`default_nettype none

module snn_lane #(
    parameter integer WORDS  = 64,
    parameter integer ADDR_W = 6,
    parameter integer ACC_W  = 16
) (
    input  wire                     clk,
    input  wire                     flush,
    // per-layer parameters (taken on param_load)
    input  wire                     param_load,
    input  wire                     param_izh,
    input  wire                     param_first,   // the step is the sample's first
    input  wire                     param_count,   // the layer is the output layer: count spikes
    input  wire        [3:0]        param_frac,
    input  wire        [4:0]        param_q,
    input  wire        [8:0]        param_beta,
    input  wire signed [15:0]       param_threshold, param_v_init, param_u_init,
    input  wire signed [15:0]       param_a0, param_a1, param_a2, param_a3,
    input  wire signed [15:0]       param_b1, param_b2, param_b3, param_c, param_d,
    // update pipeline
    input  wire                     upd_valid,
    input  wire        [ADDR_W-1:0] upd_addr,      // the network's state word: v and u
    input  wire        [ADDR_W-1:0] upd_word,      // the layer's word: counts, spikes
    input  wire signed [ACC_W-1:0]  acc,           // cycle 1
    output reg                      out_valid,
    output reg         [ADDR_W-1:0] out_word,
    output wire                     spike,
    // read-out
    input  wire        [ADDR_W-1:0] rd_state_addr,
    output wire signed [15:0]       rd_v,
    output wire signed [15:0]       rd_u,
    input  wire        [ADDR_W-1:0] rd_cnt_addr,
    output wire        [15:0]       rd_cnt
);
    localparam integer DRIVE_W     = 24;
    localparam integer IZH_LATENCY = 13;
    localparam integer LIF_LATENCY = 6;
    localparam integer STAGES      = IZH_LATENCY + 1;  // read register + the longer unit

    generate
        if (WORDS < 1 || ADDR_W < 1 || (1 << ADDR_W) < WORDS) begin : bad_words
            $error("snn_lane: WORDS must be at least 1 and fit ADDR_W address bits");
        end
        if (ACC_W < 5 || ACC_W > DRIVE_W - 8) begin : bad_acc_w
            $error("snn_lane: ACC_W must be 5..16 (drive = I << 8 must fit 24 bits)");
        end
    endgenerate

    reg signed [15:0] v_mem   [0:WORDS-1];
    reg signed [15:0] u_mem   [0:WORDS-1];
    reg        [15:0] cnt_mem [0:WORDS-1];

    // ---------------------------------------------------------------- per-layer parameters
    reg               izh, first, count;
    reg        [3:0]  frac;
    reg        [4:0]  q;
    reg        [8:0]  beta;
    reg signed [15:0] threshold, v_init, u_init, a0, a1, a2, a3, b1, b2, b3, c, d;

    always @(posedge clk) begin
        if (param_load) begin
            izh <= param_izh; first <= param_first; count <= param_count;
            frac <= param_frac; q <= param_q; beta <= param_beta;
            threshold <= param_threshold; v_init <= param_v_init; u_init <= param_u_init;
            a0 <= param_a0; a1 <= param_a1; a2 <= param_a2; a3 <= param_a3;
            b1 <= param_b1; b2 <= param_b2; b3 <= param_b3; c <= param_c; d <= param_d;
        end
    end

    // ---------------------------------------------------------------- cycle 0 -> 1: read the state
    reg signed [15:0] v_read, u_read;
    reg               valid [1:STAGES];
    reg  [ADDR_W-1:0] addr  [1:STAGES];
    reg  [ADDR_W-1:0] word  [1:STAGES];
    integer i;

    always @(posedge clk) begin
        v_read <= v_mem[upd_addr];
        u_read <= u_mem[upd_addr];
        valid[1] <= upd_valid && !flush;
        addr[1]  <= upd_addr;
        word[1]  <= upd_word;
        for (i = 2; i <= STAGES; i = i + 1) begin
            valid[i] <= valid[i-1] && !flush;
            addr[i]  <= addr[i-1];
            word[i]  <= word[i-1];
        end
    end

    // ---------------------------------------------------------------- cycle 1: the units' inputs
    wire signed [15:0]        v_prev = first ? v_init : v_read;
    wire signed [15:0]        u_prev = first ? u_init : u_read;
    wire signed [DRIVE_W-1:0] drive  = $signed({{(DRIVE_W - ACC_W){acc[ACC_W-1]}}, acc}) <<< frac;

    wire signed [15:0] lif_v, izh_v, izh_u;
    wire               lif_spike, izh_spike;

    snn_lif_update #(.STATE_W(16), .ACC_W(DRIVE_W)) lif (
        .clk(clk), .v_prev(v_prev), .drive(drive), .beta(beta), .threshold(threshold),
        .v_next(lif_v), .spike(lif_spike)
    );
    snn_izh_update #(.STATE_W(16), .ACC_W(DRIVE_W)) izhikevich (
        .clk(clk), .v_prev(v_prev), .u_prev(u_prev), .drive(drive), .first(first), .q(q),
        .a1(a1), .a2(a2), .a3(a3), .b1(b1), .b2(b2), .a0(a0), .b3(b3), .c(c), .d(d),
        .threshold(threshold), .v_next(izh_v), .u_next(izh_u), .spike(izh_spike)
    );

    // the LIF's results wait for the Izhikevich unit's
    reg signed [15:0] lif_v_delay     [LIF_LATENCY+1:IZH_LATENCY];
    reg               lif_spike_delay [LIF_LATENCY+1:IZH_LATENCY];
    always @(posedge clk) begin
        lif_v_delay[LIF_LATENCY+1]     <= lif_v;
        lif_spike_delay[LIF_LATENCY+1] <= lif_spike;
        for (i = LIF_LATENCY + 2; i < IZH_LATENCY; i = i + 1) begin
            lif_v_delay[i]     <= lif_v_delay[i-1];
            lif_spike_delay[i] <= lif_spike_delay[i-1];
        end
        // the last stage is a flip-flop, not the end of a shift register (slow clock-to-out),
        // for the count's increment behind it: the enable keeps it out of one, and it
        // matters only with valid[STAGES], which follows valid[STAGES-1]
        if (valid[STAGES-1]) begin
            lif_v_delay[IZH_LATENCY]     <= lif_v_delay[IZH_LATENCY-1];
            lif_spike_delay[IZH_LATENCY] <= lif_spike_delay[IZH_LATENCY-1];
        end
    end

    // ---------------------------------------------------------------- cycle 14: write back
    wire signed [15:0] v_result = izh ? izh_v : lif_v_delay[IZH_LATENCY];
    assign spike = izh ? izh_spike : lif_spike_delay[IZH_LATENCY];

    wire        [ADDR_W-1:0] wb_addr = addr[STAGES];
    wire        [ADDR_W-1:0] wb_word = word[STAGES];
    wire                     wb      = valid[STAGES];

    // the count is read a cycle ahead: consecutive words differ, so nothing is read stale
    reg [15:0] count_read;
    always @(posedge clk)
        count_read <= first ? 16'd0 : cnt_mem[word[STAGES-1]];

    always @(posedge clk) begin
        if (wb) begin
            v_mem[wb_addr] <= v_result;
            if (izh) u_mem[wb_addr] <= izh_u;
            if (count) cnt_mem[wb_word] <= count_read + {15'd0, spike};
        end
    end

    always @(*) begin
        out_valid = wb;
        out_word  = wb_word;
    end

    // the count read-out is a registered read, rd_cnt the count of the word rd_cnt_addr
    // named a cycle before; a count written at that cycle's end is forwarded
    reg [15:0] cnt_read_out, cnt_written;
    reg        cnt_forward;
    always @(posedge clk) begin
        cnt_read_out <= cnt_mem[rd_cnt_addr];
        cnt_written  <= count_read + {15'd0, spike};
        cnt_forward  <= wb && count && wb_word == rd_cnt_addr;
    end

    assign rd_v   = v_mem[rd_state_addr];
    assign rd_u   = u_mem[rd_state_addr];
    assign rd_cnt = cnt_forward ? cnt_written : cnt_read_out;
endmodule

`default_nettype wire
