// snn_core: the SNN core IP. Feed-forward layers of LIF or Izhikevich neurons with
// 4-bit weights held on chip, computed timestep by timestep and layer by layer as
// overlay/CONTRACT.md states; controlled and fed as overlay/REGISTERS.md states
// (registers, stream formats, error flags and the exact cycle model).
//
// Datapath, per layer l and timestep t:
//   accumulate  every input spike j of the step adds its row W[:, j] to the LANES
//               accumulator banks, LANES weights per cycle: R_l = ceil(n_out / LANES)
//               cycles per spike (event-driven: no work for silent inputs);
//   update      LANES neurons per cycle read I, v, u, apply the neuron model with
//               drive = I << F, write v, u back and set their bits in the layer's
//               spike buffer, which the next layer reads as its input.
// Two spike buffers alternate between layers (layer l writes buffer l mod 2).
`default_nettype none

module snn_core #(
    parameter integer LANES        = 16,    // a power of two, at least 8
    parameter integer NEURONS      = 1024,  // a multiple of LANES and of 32
    parameter integer FAN_IN       = 1024,
    parameter integer WEIGHT_WORDS = 32768,
    parameter integer LAYERS       = 8
) (
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 aclk CLK" *)
    (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axi:s_axis:m_axis, ASSOCIATED_RESET aresetn" *)
    input  wire        aclk,
    (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 aresetn RST" *)
    (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
    input  wire        aresetn,

    input  wire [7:0]  s_axi_awaddr,
    input  wire [2:0]  s_axi_awprot,
    input  wire        s_axi_awvalid,
    output wire        s_axi_awready,
    input  wire [31:0] s_axi_wdata,
    input  wire [3:0]  s_axi_wstrb,
    input  wire        s_axi_wvalid,
    output wire        s_axi_wready,
    output wire [1:0]  s_axi_bresp,
    output wire        s_axi_bvalid,
    input  wire        s_axi_bready,
    input  wire [7:0]  s_axi_araddr,
    input  wire [2:0]  s_axi_arprot,
    input  wire        s_axi_arvalid,
    output wire        s_axi_arready,
    output wire [31:0] s_axi_rdata,
    output wire [1:0]  s_axi_rresp,
    output wire        s_axi_rvalid,
    input  wire        s_axi_rready,

    input  wire [31:0] s_axis_tdata,
    input  wire        s_axis_tvalid,
    output wire        s_axis_tready,
    input  wire        s_axis_tlast,

    output reg  [31:0] m_axis_tdata,
    output wire        m_axis_tvalid,
    input  wire        m_axis_tready,
    output wire        m_axis_tlast,
    output wire [3:0]  m_axis_tkeep,

    (* X_INTERFACE_INFO = "xilinx.com:signal:interrupt:1.0 irq INTERRUPT" *)
    (* X_INTERFACE_PARAMETER = "SENSITIVITY LEVEL_HIGH" *)
    output wire        irq
);
    // ------------------------------------------------------------------ constants
    localparam [31:0] ID_VALUE      = 32'h534E4E43;  // "SNNC"
    localparam [31:0] VERSION_VALUE = 32'h00010000;  // 1.0.0
    localparam [23:0] IMAGE_MAGIC   = 24'h534E4E;    // "SNN"
    localparam integer STEPS_MAX    = 65535;

    localparam integer SWORDS = NEURONS / LANES;                 // state words
    localparam integer SA     = (SWORDS > 1) ? $clog2(SWORDS) : 1;
    localparam integer WA     = (WEIGHT_WORDS > 1) ? $clog2(WEIGHT_WORDS) : 1;
    localparam integer LA     = (LAYERS > 1) ? $clog2(LAYERS) : 1;
    localparam integer LSH    = $clog2(LANES);                   // log2(LANES)
    localparam integer PACK   = LANES / 8;                       // stream words per weight word
    localparam integer PA     = (PACK > 1) ? $clog2(PACK) : 1;

    // register offsets (REGISTERS.md)
    localparam [7:0] R_ID = 8'h00, R_VERSION = 8'h04, R_CTRL = 8'h08, R_STATUS = 8'h0C,
                     R_ERROR = 8'h10, R_IER = 8'h14, R_ISR = 8'h18, R_OUT_MODE = 8'h1C,
                     R_STEPS = 8'h20, R_SAMPLES = 8'h24, R_CYCLES_LO = 8'h28, R_CYCLES_HI = 8'h2C,
                     R_STALLS_LO = 8'h30, R_STALLS_HI = 8'h34, R_SAMPLES_DONE = 8'h38,
                     R_CAP_LANES = 8'h40, R_CAP_NEURONS = 8'h44, R_CAP_FAN_IN = 8'h48,
                     R_CAP_WEIGHT_WORDS = 8'h4C, R_CAP_LAYERS = 8'h50, R_CAP_STEPS = 8'h54,
                     R_CAP_MODELS = 8'h58, R_CAP_STREAM_BITS = 8'h5C, R_NET_LAYERS = 8'h60,
                     R_NET_INPUTS = 8'h64, R_NET_OUTPUTS = 8'h68, R_NET_WEIGHT_WORDS = 8'h6C,
                     R_NET_STATE_WORDS = 8'h70;

    // error flags
    localparam integer E_BUSY_START = 0, E_HEADER = 1, E_CAPACITY = 2, E_PARAM = 3,
                       E_SHORT = 4, E_LONG = 5, E_NOT_LOADED = 6;

    // FSM states
    localparam [4:0] S_IDLE = 5'd0, S_START = 5'd1, S_DONE = 5'd2, S_DRAIN_IN = 5'd3,
                     S_LHDR = 5'd4, S_LDESC = 5'd5, S_LWGT = 5'd6,
                     S_INIT = 5'd7, S_FETCH = 5'd8, S_ROW = 5'd9, S_DRAIN = 5'd10,
                     S_UPD = 5'd11, S_UPD_TAIL = 5'd12,
                     S_RASTER = 5'd13, S_COUNTS = 5'd14, S_STATES = 5'd15;

    // ------------------------------------------------------------------ AXI4-Lite
    wire        wr_en, rd_en;
    wire [7:0]  wr_addr, rd_addr;
    wire [31:0] wr_data;
    reg  [31:0] rd_data;

    snn_axil_slave #(.ADDR_W(8)) axil (
        .clk(aclk), .resetn(aresetn),
        .s_axi_awaddr(s_axi_awaddr), .s_axi_awvalid(s_axi_awvalid), .s_axi_awready(s_axi_awready),
        .s_axi_wdata(s_axi_wdata), .s_axi_wstrb(s_axi_wstrb), .s_axi_wvalid(s_axi_wvalid),
        .s_axi_wready(s_axi_wready), .s_axi_bresp(s_axi_bresp), .s_axi_bvalid(s_axi_bvalid),
        .s_axi_bready(s_axi_bready), .s_axi_araddr(s_axi_araddr), .s_axi_arvalid(s_axi_arvalid),
        .s_axi_arready(s_axi_arready), .s_axi_rdata(s_axi_rdata), .s_axi_rresp(s_axi_rresp),
        .s_axi_rvalid(s_axi_rvalid), .s_axi_rready(s_axi_rready),
        .wr_en(wr_en), .wr_addr(wr_addr), .wr_data(wr_data),
        .rd_en(rd_en), .rd_addr(rd_addr), .rd_data(rd_data)
    );

    // ------------------------------------------------------------------ control registers
    reg  [4:0]  state;
    reg         cmd_load;
    reg  [6:0]  errors;
    reg         done, isr, ier, loaded;
    reg  [2:0]  out_mode;
    reg  [15:0] steps, samples, samples_done;
    reg  [63:0] cycles, stalls;
    reg         drain_after;  // LONG seen in a run: consume the rest after the run

    // ------------------------------------------------------------------ layer table
    // live table (used by RUN) and shadow (filled by LOAD, committed when valid)
    reg  [LA:0]  net_layers;
    reg  [15:0]  t_nin [0:LAYERS-1], t_nout [0:LAYERS-1];
    reg          t_izh [0:LAYERS-1];
    reg  [3:0]   t_frac [0:LAYERS-1];
    reg  [4:0]   t_q [0:LAYERS-1];
    reg  [8:0]   t_beta [0:LAYERS-1];
    reg  [15:0]  t_thr [0:LAYERS-1], t_vinit [0:LAYERS-1], t_uinit [0:LAYERS-1];
    reg  [15:0]  t_a0 [0:LAYERS-1], t_a1 [0:LAYERS-1], t_a2 [0:LAYERS-1], t_a3 [0:LAYERS-1];
    reg  [15:0]  t_b1 [0:LAYERS-1], t_b2 [0:LAYERS-1], t_b3 [0:LAYERS-1];
    reg  [15:0]  t_c [0:LAYERS-1], t_d [0:LAYERS-1];
    reg  [SA:0]  t_rw [0:LAYERS-1];     // R_l, state words of the layer
    reg  [WA:0]  t_wbase [0:LAYERS-1];  // first weight word
    reg  [SA:0]  t_sbase [0:LAYERS-1];  // first state word
    reg  [31:0]  net_wwords;
    reg  [SA:0]  net_swords;

    reg  [LA:0]  h_layers;
    reg  [15:0]  h_nin [0:LAYERS-1], h_nout [0:LAYERS-1];
    reg          h_izh [0:LAYERS-1];
    reg  [3:0]   h_frac [0:LAYERS-1];
    reg  [4:0]   h_q [0:LAYERS-1];
    reg  [8:0]   h_beta [0:LAYERS-1];
    reg  [15:0]  h_thr [0:LAYERS-1], h_vinit [0:LAYERS-1], h_uinit [0:LAYERS-1];
    reg  [15:0]  h_a0 [0:LAYERS-1], h_a1 [0:LAYERS-1], h_a2 [0:LAYERS-1], h_a3 [0:LAYERS-1];
    reg  [15:0]  h_b1 [0:LAYERS-1], h_b2 [0:LAYERS-1], h_b3 [0:LAYERS-1];
    reg  [15:0]  h_c [0:LAYERS-1], h_d [0:LAYERS-1];
    reg  [SA:0]  h_rw [0:LAYERS-1];
    reg  [WA:0]  h_wbase [0:LAYERS-1];
    reg  [SA:0]  h_sbase [0:LAYERS-1];
    reg  [31:0]  h_wsum, h_ssum;        // running totals, wide enough to see an overflow

    // ------------------------------------------------------------------ load counters
    reg  [LA:0]  dl;                    // descriptor's layer
    reg  [2:0]   dw;                    // descriptor word
    reg  [31:0]  wcount;                // weight stream words received
    reg  [PA-1:0] pack_idx;
    reg  [LANES*4-1:0] wbuf;
    reg  [WA-1:0] load_addr;

    // ------------------------------------------------------------------ run counters
    reg  [15:0]  smp, t;
    reg  [LA-1:0] l;                    // layer being computed
    reg  [15:0]  b;                     // input word of the layer
    reg  [31:0]  pending;               // spikes of the word not yet started
    reg  [SA:0]  r;                     // weight word within the current row
    reg  [WA:0]  waddr;                 // weight word being read
    reg  [SA:0]  w;                     // state word being updated (stage 0)
    reg  [LA-1:0] il;                   // reset phase: layer and word
    reg  [SA:0]  iw;
    reg  [15:0]  o;                     // output word / neuron index
    reg  [LA-1:0] sl;                   // state dump's layer

    // current layer's table entries
    wire [15:0] nin  = t_nin[l];
    wire [15:0] nout = t_nout[l];
    wire [SA:0] rw   = t_rw[l];
    wire [15:0] bw   = (nin + 16'd31) >> 5;
    wire [LA-1:0] last_layer = net_layers[LA-1:0] - 1'b1;
    wire [15:0] nout_last = t_nout[last_layer];

    // ------------------------------------------------------------------ spike buffers
    reg  [NEURONS-1:0] spk0, spk1;
    wire [NEURONS-1:0] spk_in   = l[0] ? spk0 : spk1;          // written by layer l-1
    wire [NEURONS-1:0] spk_last = last_layer[0] ? spk1 : spk0;  // the output layer's

    // ------------------------------------------------------------------ stream input
    wire in_layer0   = (l == {LA{1'b0}});
    wire want_in     = (state == S_LHDR) || (state == S_LDESC) || (state == S_LWGT) ||
                       (state == S_DRAIN_IN) || (state == S_FETCH && in_layer0);
    assign s_axis_tready = want_in;
    wire in_take     = want_in && s_axis_tvalid;

    // input word of the accumulate phase, channels >= n_in masked off
    wire [15:0] remaining = nin - {b[10:0], 5'd0};
    wire [31:0] in_mask   = (remaining >= 16'd32) ? 32'hFFFFFFFF : ~(32'hFFFFFFFF << remaining[4:0]);
    wire [31:0] in_word   = (in_layer0 ? s_axis_tdata : spk_in[{b[10:0], 5'd0} +: 32]) & in_mask;
    wire        in_valid  = in_layer0 ? s_axis_tvalid : 1'b1;
    wire        last_input_word = (smp == samples - 1'b1) && (t == steps - 1'b1) && (b == bw - 1'b1);

    // lowest set bit of a 32-bit word
    function automatic [4:0] lowest;
        input [31:0] x;
        integer k;
        begin
            lowest = 5'd0;
            for (k = 31; k >= 0; k = k - 1)
                if (x[k]) lowest = k[4:0];
        end
    endfunction

    wire [31:0] next_bits  = (state == S_FETCH) ? in_word : pending;
    wire [4:0]  next_bit   = lowest(next_bits);
    wire [15:0] next_j     = {b[10:0], next_bit};
    wire [WA:0] next_waddr = t_wbase[l] + next_j * rw;

    // ------------------------------------------------------------------ weight memory
    reg  [LANES*4-1:0] wmem [0:WEIGHT_WORDS-1];
    reg  [LANES*4-1:0] wq;                 // read data, one cycle after the address
    reg                acc_pipe;           // wq belongs to an accumulation
    reg  [SA-1:0]      acc_pipe_word;      // ... of this local state word
    reg                wmem_we;
    reg  [WA-1:0]      wmem_waddr;
    reg  [LANES*4-1:0] wmem_wdata;

    always @(posedge aclk) begin
        if (wmem_we)
            wmem[wmem_waddr] <= wmem_wdata;
        wq <= wmem[waddr[WA-1:0]];
    end

    // ------------------------------------------------------------------ lanes
    reg          s1_valid;              // stage 1 of the update pipeline holds word s1_w
    reg  [SA-1:0] s1_w;
    wire         init_en   = (state == S_INIT);
    wire [SA:0]  init_word = t_sbase[il] + iw;
    wire         upd_en    = (state == S_UPD);
    wire [SA:0]  st_word   = t_sbase[l] + w;
    wire [SA:0]  wb_word   = t_sbase[l] + {1'b0, s1_w};
    wire [LANES-1:0] lane_spike;
    wire [16*LANES-1:0] lane_v, lane_u, lane_cnt;

    // read-out addresses: states of layer sl, neuron o; counts of neuron 2*o
    wire [SA:0]  rd_state_word = t_sbase[sl] + o[SA+LSH-1:LSH];
    wire [16:0]  cnt_neuron    = {o, 1'b0};
    wire [SA-1:0] rd_cnt_word  = cnt_neuron[SA+LSH-1:LSH];

    genvar k;
    generate
        for (k = 0; k < LANES; k = k + 1) begin : lane
            snn_lane #(.WORDS(SWORDS), .ADDR_W(SA)) u (
                .clk(aclk),
                .acc_add(acc_pipe), .acc_addr(acc_pipe_word), .weight(wq[4*k +: 4]),
                .init(init_en), .init_addr(init_word[SA-1:0]),
                .v_init(t_vinit[il]), .u_init(t_uinit[il]),
                .upd_load(upd_en), .upd_addr(w[SA-1:0]), .upd_state_addr(st_word[SA-1:0]),
                .upd_write(s1_valid), .wb_state_addr(wb_word[SA-1:0]), .wb_cnt_addr(s1_w),
                .count_spikes(l == last_layer), .first(t == 16'd0),
                .is_izh(t_izh[l]), .frac(t_frac[l]), .q(t_q[l]), .beta(t_beta[l]),
                .threshold(t_thr[l]),
                .a1(t_a1[l]), .a2(t_a2[l]), .a3(t_a3[l]), .b1(t_b1[l]), .b2(t_b2[l]),
                .a0(t_a0[l]), .b3(t_b3[l]), .c(t_c[l]), .d(t_d[l]),
                .spike(lane_spike[k]),
                .rd_state_addr(rd_state_word[SA-1:0]), .rd_v(lane_v[16*k +: 16]), .rd_u(lane_u[16*k +: 16]),
                .rd_cnt_addr(rd_cnt_word), .rd_cnt(lane_cnt[16*k +: 16])
            );
        end
    endgenerate

    // ------------------------------------------------------------------ stream output
    wire [15:0] raster_words = (nout_last + 16'd31) >> 5;
    wire [15:0] count_words  = (nout_last + 16'd1) >> 1;
    wire [15:0] rem_out      = nout_last - {o[10:0], 5'd0};
    wire [31:0] out_mask     = (rem_out >= 16'd32) ? 32'hFFFFFFFF : ~(32'hFFFFFFFF << rem_out[4:0]);
    wire        last_sample  = (smp == samples - 1'b1);
    wire        want_out     = (state == S_RASTER) || (state == S_COUNTS) || (state == S_STATES);
    wire        out_take     = want_out && m_axis_tready;
    reg         out_last;
    wire [LSH-1:0] cnt_lane  = cnt_neuron[LSH-1:0];
    wire [LSH-1:0] st_lane   = o[LSH-1:0];

    always @(*) begin
        m_axis_tdata = 32'd0;
        out_last     = 1'b0;
        case (state)
            S_RASTER: begin
                m_axis_tdata = spk_last[{o[10:0], 5'd0} +: 32] & out_mask;
                out_last = last_sample && (t == steps - 1'b1) && (o == raster_words - 1'b1) &&
                           !out_mode[1] && !out_mode[2];
            end
            S_COUNTS: begin
                m_axis_tdata[15:0]  = lane_cnt[16*cnt_lane +: 16];
                m_axis_tdata[31:16] = (cnt_neuron + 17'd1 < {1'b0, nout_last}) ? lane_cnt[16*(cnt_lane + 1'b1) +: 16] : 16'd0;
                out_last = last_sample && (o == count_words - 1'b1) && !out_mode[2];
            end
            S_STATES: begin
                m_axis_tdata[15:0]  = lane_v[16*st_lane +: 16];
                m_axis_tdata[31:16] = t_izh[sl] ? lane_u[16*st_lane +: 16] : 16'd0;
                out_last = last_sample && (sl == last_layer) && (o == t_nout[sl] - 1'b1);
            end
            default: ;
        endcase
    end
    assign m_axis_tvalid = want_out;
    assign m_axis_tlast  = out_last;
    assign m_axis_tkeep  = 4'hF;

    // ------------------------------------------------------------------ status
    assign irq = ier && isr;
    wire   busy    = (state != S_IDLE);
    wire   stalled = (want_in && !s_axis_tvalid) || (want_out && !m_axis_tready);

    always @(*) begin
        case (rd_addr)
            R_ID:               rd_data = ID_VALUE;
            R_VERSION:          rd_data = VERSION_VALUE;
            R_STATUS:           rd_data = {28'd0, (errors != 7'd0), loaded, done, busy};
            R_ERROR:            rd_data = {25'd0, errors};
            R_IER:              rd_data = {31'd0, ier};
            R_ISR:              rd_data = {31'd0, isr};
            R_OUT_MODE:         rd_data = {29'd0, out_mode};
            R_STEPS:            rd_data = {16'd0, steps};
            R_SAMPLES:          rd_data = {16'd0, samples};
            R_CYCLES_LO:        rd_data = cycles[31:0];
            R_CYCLES_HI:        rd_data = cycles[63:32];
            R_STALLS_LO:        rd_data = stalls[31:0];
            R_STALLS_HI:        rd_data = stalls[63:32];
            R_SAMPLES_DONE:     rd_data = {16'd0, samples_done};
            R_CAP_LANES:        rd_data = LANES;
            R_CAP_NEURONS:      rd_data = NEURONS;
            R_CAP_FAN_IN:       rd_data = FAN_IN;
            R_CAP_WEIGHT_WORDS: rd_data = WEIGHT_WORDS;
            R_CAP_LAYERS:       rd_data = LAYERS;
            R_CAP_STEPS:        rd_data = STEPS_MAX;
            R_CAP_MODELS:       rd_data = 32'h3;
            R_CAP_STREAM_BITS:  rd_data = 32'd32;
            R_NET_LAYERS:       rd_data = loaded ? {{(31 - LA){1'b0}}, net_layers} : 32'd0;
            R_NET_INPUTS:       rd_data = loaded ? {16'd0, t_nin[0]} : 32'd0;
            R_NET_OUTPUTS:      rd_data = loaded ? {16'd0, nout_last} : 32'd0;
            R_NET_WEIGHT_WORDS: rd_data = loaded ? net_wwords : 32'd0;
            R_NET_STATE_WORDS:  rd_data = loaded ? {{(31 - SA){1'b0}}, net_swords} : 32'd0;
            default:            rd_data = 32'd0;
        endcase
    end

    // ------------------------------------------------------------------ descriptor checks
    // word dw of layer dl, decoded; `desc_error` holds the error flags it raises
    wire [15:0] d_lo = s_axis_tdata[15:0];
    wire [15:0] d_hi = s_axis_tdata[31:16];
    wire [SA+16:0] d_rw = ({1'b0, d_hi} + (LANES - 1)) >> LSH;  // R of D0's n_out
    reg  [6:0] desc_error;
    always @(*) begin
        desc_error = 7'd0;
        case (dw)
            3'd0: begin
                if (d_lo == 16'd0 || d_hi == 16'd0) desc_error[E_PARAM] = 1'b1;
                if (dl != 0 && d_lo != h_nout[dl[LA-1:0] - 1'b1]) desc_error[E_PARAM] = 1'b1;
                if (d_lo > FAN_IN || d_hi > NEURONS) desc_error[E_CAPACITY] = 1'b1;
            end
            3'd1: begin
                if (s_axis_tdata[1:0] > 2'd1 || s_axis_tdata[7:4] > 4'd8 || s_axis_tdata[24:16] > 9'd256)
                    desc_error[E_PARAM] = 1'b1;
                if (s_axis_tdata[1:0] == 2'd1 && s_axis_tdata[12:8] > 5'd24) desc_error[E_PARAM] = 1'b1;
            end
            3'd2: if (!h_izh[dl[LA-1:0]] && $signed(d_lo) < 1) desc_error[E_PARAM] = 1'b1;
            3'd7: if (dl == h_layers - 1'b1 &&
                      (h_wsum > WEIGHT_WORDS || h_ssum > SWORDS)) desc_error[E_CAPACITY] = 1'b1;
            default: ;
        endcase
    end

    // ------------------------------------------------------------------ the machine
    integer i;
    always @(posedge aclk) begin
        if (!aresetn) begin
            state <= S_IDLE;
            cmd_load <= 1'b0;
            errors <= 7'd0;
            done <= 1'b0; isr <= 1'b0; ier <= 1'b0; loaded <= 1'b0;
            out_mode <= 3'b001; steps <= 16'd1; samples <= 16'd1; samples_done <= 16'd0;
            cycles <= 64'd0; stalls <= 64'd0;
            drain_after <= 1'b0;
            net_layers <= 0; net_wwords <= 32'd0; net_swords <= 0;
            acc_pipe <= 1'b0; s1_valid <= 1'b0; wmem_we <= 1'b0;
        end else begin
            wmem_we  <= 1'b0;
            acc_pipe <= 1'b0;
            s1_valid <= 1'b0;
            if (busy) begin
                if (stalled) stalls <= stalls + 1'b1;
                else         cycles <= cycles + 1'b1;
            end

            // stage 1 of the update: the spikes of word s1_w into the layer's buffer. Padding
            // neurons (index >= n_out) may spike too: every reader masks them off.
            if (s1_valid) begin
                if (l[0]) spk1[{s1_w, {LSH{1'b0}}} +: LANES] <= lane_spike;
                else      spk0[{s1_w, {LSH{1'b0}}} +: LANES] <= lane_spike;
            end

            case (state)
                S_START: begin
                    if (cmd_load) begin
                        state <= S_LHDR;
                    end else if (!loaded) begin
                        errors[E_NOT_LOADED] <= 1'b1;
                        state <= S_DONE;
                    end else if (steps == 16'd0 || samples == 16'd0) begin
                        errors[E_PARAM] <= 1'b1;
                        state <= S_DONE;
                    end else begin
                        smp <= 16'd0; il <= 0; iw <= 0;
                        state <= S_INIT;
                    end
                end

                // ---------------------------------------------------------- LOAD
                S_LHDR: if (in_take) begin
                    h_layers <= s_axis_tdata[LA:0];
                    dl <= 0; dw <= 3'd0; h_wsum <= 32'd0; h_ssum <= 32'd0;
                    if (s_axis_tdata[31:8] != IMAGE_MAGIC || s_axis_tdata[7:0] == 8'd0) begin
                        errors[E_HEADER] <= 1'b1;
                        state <= s_axis_tlast ? S_DONE : S_DRAIN_IN;
                    end else if (s_axis_tdata[7:0] > LAYERS) begin
                        errors[E_CAPACITY] <= 1'b1;
                        state <= s_axis_tlast ? S_DONE : S_DRAIN_IN;
                    end else if (s_axis_tlast) begin
                        errors[E_SHORT] <= 1'b1;
                        state <= S_DONE;
                    end else begin
                        state <= S_LDESC;
                    end
                end

                S_LDESC: if (in_take) begin
                    case (dw)
                        3'd0: begin
                            h_nin[dl[LA-1:0]] <= d_lo; h_nout[dl[LA-1:0]] <= d_hi;
                            h_rw[dl[LA-1:0]] <= d_rw[SA:0];
                            h_wbase[dl[LA-1:0]] <= h_wsum[WA:0];
                            h_sbase[dl[LA-1:0]] <= h_ssum[SA:0];
                            h_wsum <= h_wsum + d_lo * d_rw;
                            h_ssum <= h_ssum + d_rw;
                        end
                        3'd1: begin
                            h_izh[dl[LA-1:0]] <= s_axis_tdata[0]; h_frac[dl[LA-1:0]] <= s_axis_tdata[7:4];
                            h_q[dl[LA-1:0]] <= s_axis_tdata[12:8]; h_beta[dl[LA-1:0]] <= s_axis_tdata[24:16];
                        end
                        3'd2: begin h_thr[dl[LA-1:0]] <= d_lo; h_vinit[dl[LA-1:0]] <= d_hi; end
                        3'd3: begin h_uinit[dl[LA-1:0]] <= d_lo; h_a0[dl[LA-1:0]] <= d_hi; end
                        3'd4: begin h_a1[dl[LA-1:0]] <= d_lo; h_a2[dl[LA-1:0]] <= d_hi; end
                        3'd5: begin h_a3[dl[LA-1:0]] <= d_lo; h_b1[dl[LA-1:0]] <= d_hi; end
                        3'd6: begin h_b2[dl[LA-1:0]] <= d_lo; h_b3[dl[LA-1:0]] <= d_hi; end
                        default: begin h_c[dl[LA-1:0]] <= d_lo; h_d[dl[LA-1:0]] <= d_hi; end
                    endcase
                    dw <= dw + 1'b1;
                    if (dw == 3'd7) dl <= dl + 1'b1;
                    if (desc_error != 7'd0) begin
                        errors <= errors | desc_error;
                        state <= s_axis_tlast ? S_DONE : S_DRAIN_IN;
                    end else if (s_axis_tlast) begin
                        errors[E_SHORT] <= 1'b1;
                        state <= S_DONE;
                    end else if (dw == 3'd7 && dl == h_layers - 1'b1) begin
                        // the image fits: commit it, then overwrite the weights
                        for (i = 0; i < LAYERS; i = i + 1) begin
                            t_nin[i] <= h_nin[i]; t_nout[i] <= h_nout[i]; t_izh[i] <= h_izh[i];
                            t_frac[i] <= h_frac[i]; t_q[i] <= h_q[i]; t_beta[i] <= h_beta[i];
                            t_thr[i] <= h_thr[i]; t_vinit[i] <= h_vinit[i]; t_uinit[i] <= h_uinit[i];
                            t_a0[i] <= h_a0[i]; t_a1[i] <= h_a1[i]; t_a2[i] <= h_a2[i]; t_a3[i] <= h_a3[i];
                            t_b1[i] <= h_b1[i]; t_b2[i] <= h_b2[i]; t_b3[i] <= h_b3[i];
                            t_c[i] <= h_c[i]; t_d[i] <= h_d[i];
                            t_rw[i] <= h_rw[i]; t_wbase[i] <= h_wbase[i]; t_sbase[i] <= h_sbase[i];
                        end
                        t_c[dl[LA-1:0]] <= d_lo; t_d[dl[LA-1:0]] <= d_hi;  // this word's fields
                        net_layers <= h_layers;
                        net_wwords <= h_wsum;
                        net_swords <= h_ssum[SA:0];
                        loaded <= 1'b0;
                        wcount <= 32'd0; pack_idx <= 0; load_addr <= 0;
                        state <= S_LWGT;
                    end
                end

                S_LWGT: if (in_take) begin
                    wbuf[{pack_idx, 5'd0} +: 32] <= s_axis_tdata;
                    if (pack_idx == PACK - 1) begin
                        wmem_we <= 1'b1;
                        wmem_waddr <= load_addr;
                        wmem_wdata <= wbuf;
                        wmem_wdata[{pack_idx, 5'd0} +: 32] <= s_axis_tdata;
                        load_addr <= load_addr + 1'b1;
                        pack_idx <= 0;
                    end else begin
                        pack_idx <= pack_idx + 1'b1;
                    end
                    wcount <= wcount + 1'b1;
                    if (wcount == net_wwords * PACK - 1) begin
                        if (s_axis_tlast) begin
                            loaded <= 1'b1;
                            state <= S_DONE;
                        end else begin
                            errors[E_LONG] <= 1'b1;
                            state <= S_DRAIN_IN;
                        end
                    end else if (s_axis_tlast) begin
                        errors[E_SHORT] <= 1'b1;
                        state <= S_DONE;
                    end
                end

                S_DRAIN_IN: if (in_take && s_axis_tlast) state <= S_DONE;

                // ---------------------------------------------------------- RUN
                S_INIT: begin
                    if (iw == t_rw[il] - 1'b1) begin
                        iw <= 0;
                        if (il == last_layer) begin
                            t <= 16'd0; l <= 0; b <= 16'd0;
                            state <= S_FETCH;
                        end else begin
                            il <= il + 1'b1;
                        end
                    end else begin
                        iw <= iw + 1'b1;
                    end
                end

                S_FETCH: if (in_valid) begin
                    if (in_layer0 && s_axis_tlast && !last_input_word) begin
                        errors[E_SHORT] <= 1'b1;
                        state <= S_DONE;
                    end else begin
                        if (in_layer0 && last_input_word && !s_axis_tlast) begin
                            errors[E_LONG] <= 1'b1;
                            drain_after <= 1'b1;
                        end
                        if (in_word == 32'd0) begin
                            if (b == bw - 1'b1) state <= S_DRAIN;
                            else b <= b + 1'b1;
                        end else begin
                            pending <= in_word & (in_word - 1'b1);
                            r <= 0;
                            waddr <= next_waddr;
                            state <= S_ROW;
                        end
                    end
                end

                S_ROW: begin
                    acc_pipe <= 1'b1;
                    acc_pipe_word <= r[SA-1:0];
                    if (r == rw - 1'b1) begin
                        if (pending != 32'd0) begin
                            pending <= pending & (pending - 1'b1);
                            r <= 0;
                            waddr <= next_waddr;
                        end else if (b == bw - 1'b1) begin
                            state <= S_DRAIN;
                        end else begin
                            b <= b + 1'b1;
                            state <= S_FETCH;
                        end
                    end else begin
                        r <= r + 1'b1;
                        waddr <= waddr + 1'b1;
                    end
                end

                S_DRAIN: begin
                    w <= 0;
                    state <= S_UPD;
                end

                S_UPD: begin
                    s1_valid <= 1'b1;
                    s1_w <= w[SA-1:0];
                    if (w == rw - 1'b1) state <= S_UPD_TAIL;
                    else w <= w + 1'b1;
                end

                S_UPD_TAIL: begin
                    o <= 16'd0;
                    if (l != last_layer) begin
                        l <= l + 1'b1;
                        b <= 16'd0;
                        state <= S_FETCH;
                    end else if (out_mode[0]) begin
                        state <= S_RASTER;
                    end else begin
                        end_of_step();
                    end
                end

                S_RASTER: if (out_take) begin
                    if (o == raster_words - 1'b1) end_of_step();
                    else o <= o + 1'b1;
                end

                S_COUNTS: if (out_take) begin
                    if (o == count_words - 1'b1) begin
                        o <= 16'd0; sl <= 0;
                        if (out_mode[2]) state <= S_STATES;
                        else end_of_sample();
                    end else begin
                        o <= o + 1'b1;
                    end
                end

                S_STATES: if (out_take) begin
                    if (o == t_nout[sl] - 1'b1) begin
                        o <= 16'd0;
                        if (sl == last_layer) end_of_sample();
                        else sl <= sl + 1'b1;
                    end else begin
                        o <= o + 1'b1;
                    end
                end

                S_DONE: begin
                    done <= 1'b1;
                    isr <= 1'b1;
                    drain_after <= 1'b0;
                    state <= S_IDLE;
                end

                default: ;
            endcase

            // register writes come last: they win over the machine in the same cycle
            if (wr_en) begin
                case (wr_addr)
                    R_CTRL: begin
                        if (wr_data[2]) begin
                            state <= S_IDLE;
                            errors <= 7'd0; done <= 1'b0; isr <= 1'b0;
                            drain_after <= 1'b0;
                            acc_pipe <= 1'b0; s1_valid <= 1'b0; wmem_we <= 1'b0;
                        end else if (wr_data[0] && wr_data[1]) begin
                            errors[E_PARAM] <= 1'b1;
                        end else if (wr_data[0] || wr_data[1]) begin
                            if (busy) begin
                                errors[E_BUSY_START] <= 1'b1;
                            end else begin
                                cmd_load <= wr_data[1];
                                errors <= 7'd0; done <= 1'b0;
                                cycles <= 64'd0; stalls <= 64'd0; samples_done <= 16'd0;
                                state <= S_START;
                            end
                        end
                    end
                    R_ERROR:    errors <= errors & ~wr_data[6:0];
                    R_IER:      ier <= wr_data[0];
                    R_ISR:      if (wr_data[0]) isr <= 1'b0;
                    R_OUT_MODE: if (!busy) out_mode <= wr_data[2:0];
                    R_STEPS:    if (!busy) steps <= wr_data[15:0];
                    R_SAMPLES:  if (!busy) samples <= wr_data[15:0];
                    default: ;
                endcase
            end
        end
    end

    // the last layer of step t is done (and its raster sent): next step or sample end
    task end_of_step;
        begin
            o <= 16'd0; sl <= 0;
            if (t == steps - 1'b1) begin
                if (out_mode[1])      state <= S_COUNTS;
                else if (out_mode[2]) state <= S_STATES;
                else                  end_of_sample();
            end else begin
                t <= t + 1'b1;
                l <= 0;
                b <= 16'd0;
                state <= S_FETCH;
            end
        end
    endtask

    task end_of_sample;
        begin
            samples_done <= samples_done + 1'b1;
            if (smp == samples - 1'b1) begin
                state <= drain_after ? S_DRAIN_IN : S_DONE;
            end else begin
                smp <= smp + 1'b1;
                il <= 0; iw <= 0;
                state <= S_INIT;
            end
        end
    endtask

    wire unused = &{1'b0, s_axi_awprot, s_axi_arprot, rd_en, 1'b0};
endmodule

`default_nettype wire
