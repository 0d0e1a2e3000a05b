// snn_core: the SNN core IP. Feed-forward layers of LIF or Izhikevich neurons with
// 4-bit weights held on chip, computed timestep by timestep and layer by layer as
// overlay/CONTRACT.md states; controlled and fed as overlay/REGISTERS.md states
// (registers, stream formats, error flags and the exact cycle model).
//
// Per layer l and timestep t the run goes through these phases (REGISTERS.md, "Cycle model"):
//   layer     2 cycles: the layer's descriptor is latched into registers, then into the
//             lanes' parameter registers; nothing in the datapath reads a table
//   scan      the input spike words, one cycle each; every spike j of a word issues its
//             row of weights in ceil(R / BANKS) chunks of BANKS words, one chunk a cycle
//             (snn_synapse_fetch), which BANKS * LANES accumulators add up
//             (snn_accumulator); one more cycle sees the last word done
//   drain     ACC_DRAIN cycles for the last chunk to reach the accumulators
//   update    R cycles: LANES neurons a cycle read I, v, u into the lanes' update
//             pipelines (snn_lane), whose spikes fill the layer's spike buffer
//   drain     UPDATE_DRAIN cycles for the last word to be written back
// Two spike buffers alternate between layers (layer l writes buffer l mod 2).
//
// The code is in blocks: constants and parameter checks; AXI4-Lite; the descriptor
// memory; LOAD (header, descriptors and their checks, weights); the command state
// machine; the scanner; the update; the output stream; the register file.
//
// Parameters (the capability registers report them; overlay/core_build.py checks the
// same rules):
//   LANES         neurons updated per cycle and weights per weight-memory word:
//                 a power of two, at least 8
//   NEURONS       state entries over all layers, each layer padded to whole words of
//                 LANES, and the most neurons of one layer: a multiple of 32 and of LANES
//   FAN_IN        inputs of one layer: 1..65535
//   WEIGHT_WORDS  weight-memory words of LANES weights, at least 1
//   LAYERS        layers with weights: 1..255
//   BANKS         weight-memory words read per cycle (BANKS * LANES weights accumulated
//                 per cycle): a power of two, at least 1
`default_nettype none

module snn_core #(
    parameter integer LANES        = 16,
    parameter integer NEURONS      = 1024,
    parameter integer FAN_IN       = 1024,
    parameter integer WEIGHT_WORDS = 32768,
    parameter integer LAYERS       = 8,
    parameter integer BANKS        = 16
) (
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 aclk CLK" *)
    (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axi:s_axis:m_axis, ASSOCIATED_RESET aresetn" *)
    input  wire        aclk,
    (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 aresetn RST" *)
    (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
    input  wire        aresetn,

    input  wire [11:0] s_axi_awaddr,
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
    input  wire [11:0] s_axi_araddr,
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

    output wire [31:0] m_axis_tdata,
    output wire        m_axis_tvalid,
    input  wire        m_axis_tready,
    output wire        m_axis_tlast,
    output wire [3:0]  m_axis_tkeep,

    (* X_INTERFACE_INFO = "xilinx.com:signal:interrupt:1.0 irq INTERRUPT" *)
    (* X_INTERFACE_PARAMETER = "SENSITIVITY LEVEL_HIGH" *)
    output wire        irq
);
    // ================================================================== constants
    localparam [31:0] ID_VALUE      = 32'h534E4E43;  // "SNNC"
    localparam [31:0] VERSION_VALUE = 32'h00010100;  // 1.1.0
    localparam [23:0] IMAGE_MAGIC   = 24'h534E4E;    // "SNN"
    localparam integer STEPS_MAX    = 65535;
    localparam integer AXI_ADDR_W   = 12;            // the 4 KiB register window

    localparam integer STATE_WORDS = NEURONS / LANES;                        // state words
    localparam integer WORD_W      = (STATE_WORDS > 1) ? $clog2(STATE_WORDS) : 1;
    localparam integer ENTRIES     = (STATE_WORDS + BANKS - 1) / BANKS;      // accumulator entries per slot
    localparam integer ENTRY_W     = (ENTRIES > 1) ? $clog2(ENTRIES) : 1;
    localparam integer BANK_BITS   = (BANKS > 1) ? $clog2(BANKS) : 0;
    localparam integer WADDR_W     = (WEIGHT_WORDS > 1) ? $clog2(WEIGHT_WORDS) : 1;
    localparam integer LAYER_W     = (LAYERS > 1) ? $clog2(LAYERS) : 1;
    localparam integer LANE_BITS   = $clog2(LANES);
    localparam integer PACK        = LANES / 8;                              // stream words per weight word
    localparam integer PACK_W      = (PACK > 1) ? $clog2(PACK) : 1;
    localparam integer INPUT_W     = (FAN_IN > 1) ? $clog2(FAN_IN) : 1;
    localparam integer SPIKE_WORDS = NEURONS / 32;
    localparam integer SPIKE_W     = (SPIKE_WORDS > 1) ? $clog2(SPIKE_WORDS) : 1;
    localparam integer ACC_W       = 16;

    // pipeline depths (REGISTERS.md, "Cycle model"); the tests hold them to the model
    localparam integer FETCH_LATENCY = 10;                 // snn_synapse_fetch: issue -> accumulators
    localparam integer LANE_LATENCY  = 15;                 // snn_lane: read -> written back
    localparam integer ACC_DRAIN     = FETCH_LATENCY - 1;  // after the scan's last cycle
    localparam integer UPDATE_DRAIN  = LANE_LATENCY - 1;   // after the update's last word

    // register offsets (REGISTERS.md)
    localparam [11:0] R_ID = 12'h000, R_VERSION = 12'h004, R_CTRL = 12'h008, R_STATUS = 12'h00C,
                      R_ERROR = 12'h010, R_IER = 12'h014, R_ISR = 12'h018, R_OUT_MODE = 12'h01C,
                      R_STEPS = 12'h020, R_SAMPLES = 12'h024, R_CYCLES_LO = 12'h028, R_CYCLES_HI = 12'h02C,
                      R_STALLS_LO = 12'h030, R_STALLS_HI = 12'h034, R_SAMPLES_DONE = 12'h038,
                      R_CAP_BANKS = 12'h03C, R_CAP_LANES = 12'h040, R_CAP_NEURONS = 12'h044,
                      R_CAP_FAN_IN = 12'h048, R_CAP_WEIGHT_WORDS = 12'h04C, R_CAP_LAYERS = 12'h050,
                      R_CAP_STEPS = 12'h054, R_CAP_MODELS = 12'h058, R_CAP_STREAM_BITS = 12'h05C,
                      R_NET_LAYERS = 12'h060, R_NET_INPUTS = 12'h064, R_NET_OUTPUTS = 12'h068,
                      R_NET_WEIGHT_WORDS = 12'h06C, R_NET_STATE_WORDS = 12'h070;

    // error flags
    localparam integer E_BUSY_START = 0, E_HEADER = 1, E_CAPACITY = 2, E_PARAM = 3,
                       E_SHORT = 4, E_LONG = 5, E_NOT_LOADED = 6;

    // command states
    localparam [3:0] S_IDLE = 4'd0, S_START = 4'd1, S_DONE = 4'd2, S_DRAIN_IN = 4'd3,
                     S_LOAD_HEADER = 4'd4, S_LOAD_DESCRIPTORS = 4'd5, S_LOAD_WEIGHTS = 4'd6,
                     S_LAYER = 4'd7, S_LAYER_PARAMS = 4'd8, S_SCAN = 4'd9, S_SCAN_DRAIN = 4'd10,
                     S_UPDATE = 4'd11, S_UPDATE_DRAIN = 4'd12,
                     S_RASTER = 4'd13, S_COUNTS = 4'd14, S_STATES = 4'd15;

    // the parameters' rules, checked when the core is built
    generate
        if (LANES < 8 || (LANES & (LANES - 1)) != 0) begin : bad_lanes
            $error("snn_core: LANES must be a power of two, at least 8");
        end
        if (BANKS < 1 || (BANKS & (BANKS - 1)) != 0) begin : bad_banks
            $error("snn_core: BANKS must be a power of two, at least 1");
        end
        if (NEURONS < 32 || NEURONS % 32 != 0 || NEURONS % LANES != 0) begin : bad_neurons
            $error("snn_core: NEURONS must be a positive multiple of 32 and of LANES");
        end
        if (FAN_IN < 1 || FAN_IN > 65535) begin : bad_fan_in
            $error("snn_core: FAN_IN must be 1..65535");
        end
        if (WEIGHT_WORDS < 1) begin : bad_weight_words
            $error("snn_core: WEIGHT_WORDS must be at least 1");
        end
        if (LAYERS < 1 || LAYERS > 255) begin : bad_layers
            $error("snn_core: LAYERS must be 1..255");
        end
    endgenerate

    // ================================================================== AXI4-Lite
    wire                  reg_write;
    wire [AXI_ADDR_W-1:0] reg_write_addr, reg_read_addr;
    wire [31:0]           reg_write_data;
    reg  [31:0]           reg_read_data;

    snn_axil_slave #(.ADDR_W(AXI_ADDR_W)) axil (
        .clk(aclk), .resetn(aresetn),
        .s_axi_awaddr(s_axi_awaddr), .s_axi_awvalid(s_axi_awvalid), .s_axi_awready(s_axi_awready),
        .s_axi_wdata(s_axi_wdata), .s_axi_wstrb(s_axi_wstrb), .s_axi_wvalid(s_axi_wvalid),
        .s_axi_wready(s_axi_wready), .s_axi_bresp(s_axi_bresp), .s_axi_bvalid(s_axi_bvalid),
        .s_axi_bready(s_axi_bready), .s_axi_araddr(s_axi_araddr), .s_axi_arvalid(s_axi_arvalid),
        .s_axi_arready(s_axi_arready), .s_axi_rdata(s_axi_rdata), .s_axi_rresp(s_axi_rresp),
        .s_axi_rvalid(s_axi_rvalid), .s_axi_rready(s_axi_rready),
        .wr_en(reg_write), .wr_addr(reg_write_addr), .wr_data(reg_write_data),
        .rd_en(), .rd_addr(reg_read_addr), .rd_data(reg_read_data)
    );

    // which register a write goes to, decoded beside the slave's address register (which
    // takes s_axi_awaddr every cycle): the machine sees a flag from a register, not a compare
    reg  write_to_ctrl, write_to_error, write_to_isr;
    always @(posedge aclk) begin
        write_to_ctrl  <= {s_axi_awaddr[AXI_ADDR_W-1:2], 2'b00} == R_CTRL;
        write_to_error <= {s_axi_awaddr[AXI_ADDR_W-1:2], 2'b00} == R_ERROR;
        write_to_isr   <= {s_axi_awaddr[AXI_ADDR_W-1:2], 2'b00} == R_ISR;
    end
    wire write_ctrl = reg_write && write_to_ctrl;
    wire soft_reset = write_ctrl && reg_write_data[2];
    // the streams' and pipelines' flush, from a register for its fan-out: a cycle after a
    // reset or SOFT_RESET, when the command state machine is already idle
    reg  flush;
    always @(posedge aclk) flush <= !aresetn || soft_reset;

    // ================================================================== input stream
    // A register slice: the core sees the stream from registers, and s_axis_tready is one.
    // Words it holds wait as they would in the DMA; a soft reset drops them. The checks
    // of a header or descriptor word that depend on the word alone travel with it, so
    // that LOAD's decisions start from registers.
    localparam integer C_HEADER_BAD = 0, C_HEADER_TOO_DEEP = 1, C_ZERO_SIZE = 2, C_TOO_BIG = 3,
                       C_FIELD_RANGE = 4, C_THRESHOLD_LOW = 5, C_PREV_DIFFERS = 6, CHECKS = 7;
    wire [15:0]       word_lo = s_axis_tdata[15:0];
    wire [15:0]       word_hi = s_axis_tdata[31:16];
    wire [CHECKS-1:0] word_checks;
    assign word_checks[C_HEADER_BAD]      = s_axis_tdata[31:8] != IMAGE_MAGIC || s_axis_tdata[7:0] == 8'd0;
    assign word_checks[C_HEADER_TOO_DEEP] = s_axis_tdata[7:0] > LAYERS;
    assign word_checks[C_ZERO_SIZE]       = word_lo == 16'd0 || word_hi == 16'd0;                   // D0
    assign word_checks[C_TOO_BIG]         = word_lo > FAN_IN || word_hi > NEURONS;                  // D0
    assign word_checks[C_FIELD_RANGE]     = s_axis_tdata[1:0] > 2'd1 || s_axis_tdata[7:4] > 4'd8 || // D1
                                            s_axis_tdata[24:16] > 9'd256 ||
                                            (s_axis_tdata[1:0] == 2'd1 && s_axis_tdata[12:8] > 5'd24);
    assign word_checks[C_THRESHOLD_LOW]   = $signed(word_lo) < 1;                                   // D2

    wire [31:0]       in_tdata;
    wire [CHECKS-1:0] in_checks;
    wire              in_tvalid, in_tlast;
    (* keep *) wire   in_tready;

    snn_axis_register #(.DATA_W(32 + CHECKS)) input_slice (
        .clk(aclk), .flush(flush),
        .s_tdata({word_checks, s_axis_tdata}), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .s_tlast(s_axis_tlast),
        .m_tdata({in_checks, in_tdata}), .m_tvalid(in_tvalid), .m_tready(in_tready), .m_tlast(in_tlast)
    );

    // ================================================================== layer descriptors
    // One record per layer: the image's fields and what the run derives from them, built
    // during LOAD. Two banks: LOAD writes the one not in use and switches banks only once
    // the whole image has been checked, so a refused image leaves the loaded network.
    localparam integer D_N_IN       = 0;                       // 16
    localparam integer D_N_OUT      = D_N_IN + 16;             // 16
    localparam integer D_N_OUT_M1   = D_N_OUT + 16;            // 16, n_out - 1
    localparam integer D_IZH        = D_N_OUT_M1 + 16;         // 1
    localparam integer D_FRAC       = D_IZH + 1;               // 4
    localparam integer D_Q          = D_FRAC + 4;              // 5
    localparam integer D_BETA       = D_Q + 5;                 // 9
    localparam integer D_THRESHOLD  = D_BETA + 9;              // 16 each from here to D_D
    localparam integer D_V_INIT     = D_THRESHOLD + 16;
    localparam integer D_U_INIT     = D_V_INIT + 16;
    localparam integer D_A0         = D_U_INIT + 16;
    localparam integer D_A1         = D_A0 + 16;
    localparam integer D_A2         = D_A1 + 16;
    localparam integer D_A3         = D_A2 + 16;
    localparam integer D_B1         = D_A3 + 16;
    localparam integer D_B2         = D_B1 + 16;
    localparam integer D_B3         = D_B2 + 16;
    localparam integer D_C          = D_B3 + 16;
    localparam integer D_D          = D_C + 16;
    localparam integer D_ROWS       = D_D + 16;                // WORD_W + 1: R = ceil(n_out / LANES)
    localparam integer D_CHUNKS_M1  = D_ROWS + WORD_W + 1;     // ENTRY_W: ceil(R / BANKS) - 1
    localparam integer D_LAST_SLOTS = D_CHUNKS_M1 + ENTRY_W;   // BANKS: the slots of a row's last chunk
    localparam integer D_IN_WORDS   = D_LAST_SLOTS + BANKS;    // 12: B = ceil(n_in / 32)
    localparam integer D_IN_MASK    = D_IN_WORDS + 12;         // 32: channels < n_in of the last input word
    localparam integer D_WBASE      = D_IN_MASK + 32;          // WADDR_W + 1: first weight word
    localparam integer D_SBASE      = D_WBASE + WADDR_W + 1;   // WORD_W + 1: first state word
    localparam integer D_ONE_OUT    = D_SBASE + WORD_W + 1;    // 1: n_out == 1
    localparam integer DESC_W       = D_ONE_OUT + 1;

    reg  [DESC_W-1:0] descriptors [0:2*(1 << LAYER_W)-1];  // {bank, layer}
    reg               live;                 // the bank of the loaded network

    // ================================================================== command registers
    // The machine is one-hot by hand, `at[S_x]` in state S_x, so that no control path
    // starts by decoding a state and each state's next value is its own few terms;
    // `state` is its number (the same state, for reading in simulation).
    (* fsm_encoding = "none" *)
    reg  [3:0]  state;
    reg  [15:0] at;
    reg  [3:0]  state_next;                // the next state, within the machine's block
    reg  [15:0] at_next;
    wire in_scan             = at[S_SCAN];
    wire in_update_drain     = at[S_UPDATE_DRAIN];
    wire in_raster           = at[S_RASTER];
    wire in_counts           = at[S_COUNTS];
    wire in_states           = at[S_STATES];
    wire in_load_descriptors = at[S_LOAD_DESCRIPTORS];
    wire in_load_weights     = at[S_LOAD_WEIGHTS];
    wire in_load             = at[S_LOAD_HEADER] || at[S_LOAD_DESCRIPTORS] || at[S_LOAD_WEIGHTS] || at[S_DRAIN_IN];
    wire busy                = !at[S_IDLE];
    reg  [6:0]  errors;
    reg  [6:0]  raised;                    // flags the machine raised, in ERROR a cycle later
    reg         done, isr, ier, loaded, drain_after;
    reg  [2:0]  out_mode;
    reg  [15:0] steps, samples, samples_done;
    reg  [63:0] cycles, stalls;
    // CYCLES and STALLS count a cycle in the next one, and their high halves count the low
    // halves' wrap a cycle later still: no counter waits on the machine's logic, and no
    // carry chain is longer than 32 bits
    reg         count_cycle, count_stall;    // the cycle before was busy: active, or stalled
    reg         cycles_carry, stalls_carry;  // the low half wrapped in the cycle before
    reg         load_requested;            // the command started is a LOAD

    // the loaded network (set when a LOAD's descriptors pass their checks)
    reg  [LAYER_W:0]  net_layers;
    reg  [LAYER_W-1:0] last_layer;
    reg  [15:0] net_inputs, net_outputs;
    reg  [31:0] net_weight_words, net_state_words;
    reg  [31:0] weight_stream_last;        // net_weight_words * PACK - 1
    reg  [15:0] raster_words_m1, count_words_m1;
    reg  [31:0] raster_last_mask;          // neurons < n_out of the last raster word
    reg         count_last_half_empty;     // n_out odd: the last COUNTS word's high half is 0
    reg         last_buffer;               // the spike buffer of the last layer
    reg  [15:0] first_n_out_m1;            // layer 0, for the STATES read-out
    reg         first_izh;

    // ================================================================== LOAD: descriptors
    // Word load_word of layer load_layer's descriptor; `descriptor_errors` holds the flags it raises.
    reg  [LAYER_W:0] load_layers;          // layers the image declares
    reg  [LAYER_W:0] load_layers_m1;       // and that less one
    reg  [LAYER_W:0] load_layer;
    reg  [2:0]       load_word;
    reg              load_word_last;       // load_word == 7, a register of its own
    reg  [7:0]       load_word_at;         // load_word one-hot, for the checks
    reg              load_layer_later;     // load_layer != 0
    reg  [31:0]      load_weight_total, load_state_total;  // wide enough to see an overflow
    reg  [15:0]      load_prev_n_out;
    // D0's n_in against the n_out before it, also before the slice: the slice holds at
    // most the two words before D0, so the layer before has set load_prev_n_out already
    assign word_checks[C_PREV_DIFFERS] = word_lo != load_prev_n_out;                       // D0
    reg  [DESC_W-1:0] load_record;
    reg  [15:0]      load_first_n_out_m1;
    reg              load_first_izh;
    reg  [15:0]      load_first_n_in;
    reg  [31:0]      load_out_mask;        // neurons < n_out of the layer's last raster word

    wire [15:0] field_lo = in_tdata[15:0];
    wire [15:0] field_hi = in_tdata[31:16];
    wire [16:0] field_rows = ({1'b0, field_hi} + (LANES - 1)) >> LANE_BITS;  // R of D0's n_out
    wire [WORD_W:0] record_rows = load_record[D_ROWS +: WORD_W + 1];

    // the layer's weight words, n_in * R, on a DSP (ready four edges after D1)
    wire signed [47:0] layer_weight_words;
    reg  [15:0]        product_n_in;
    reg  [WORD_W:0]    product_rows;
    snn_dsp #(.A_W(17), .B_W(WORD_W + 2), .Z_SEL("ZERO")) weight_words_mult (
        .clk(aclk), .a($signed({1'b0, product_n_in})), .b($signed({1'b0, product_rows})),
        .pcin(48'sd0), .p(layer_weight_words), .pcout()
    );
    // the totals with this layer, and whether they exceed the memories: registered, ready
    // by D7 (the product is ready three edges after D1, the totals one edge later)
    reg  [31:0] weight_total_next, state_total_next;
    reg         over_capacity;
    always @(posedge aclk) begin
        weight_total_next <= load_weight_total + layer_weight_words[31:0];
        state_total_next  <= load_state_total + record_rows;
        over_capacity     <= weight_total_next > WEIGHT_WORDS || state_total_next > STATE_WORDS;
    end

    // load_layer == load_layers_m1, a cycle after either changes: read at word 7 only
    reg  load_last_layer;
    always @(posedge aclk) load_last_layer <= (load_layer == load_layers_m1);

    reg  [6:0] descriptor_errors;
    always @(*) begin
        descriptor_errors = 7'd0;
        if (load_word_at[0]) begin
            if (in_checks[C_ZERO_SIZE]) descriptor_errors[E_PARAM] = 1'b1;
            if (load_layer_later && in_checks[C_PREV_DIFFERS]) descriptor_errors[E_PARAM] = 1'b1;
            if (in_checks[C_TOO_BIG]) descriptor_errors[E_CAPACITY] = 1'b1;
        end
        if (load_word_at[1] && in_checks[C_FIELD_RANGE]) descriptor_errors[E_PARAM] = 1'b1;
        if (load_word_at[2] && !load_record[D_IZH] && in_checks[C_THRESHOLD_LOW]) descriptor_errors[E_PARAM] = 1'b1;
        if (load_word_last && load_last_layer && over_capacity) descriptor_errors[E_CAPACITY] = 1'b1;
    end

    (* keep *) wire load_take = in_tvalid && in_load;
    (* keep *) wire descriptor_take = in_tvalid && in_load_descriptors;
    wire last_descriptor   = load_word_last && load_last_layer;
    // the image fits: the new layer table becomes the loaded one, then the weights overwrite the old
    (* keep *) wire commit = descriptor_take && last_descriptor && !over_capacity && !in_tlast;

    always @(posedge aclk) begin
        if (at[S_LOAD_HEADER]) begin
            load_layers       <= in_tdata[LAYER_W:0];
            load_layers_m1    <= in_tdata[LAYER_W:0] - 1'b1;
            load_layer        <= 0;
            load_word         <= 3'd0;
            load_word_last    <= 1'b0;
            load_word_at      <= 8'd1;
            load_layer_later  <= 1'b0;
            load_weight_total <= 32'd0;
            load_state_total  <= 32'd0;
        end else if (in_load_descriptors) begin
            // the fields of word load_word are written in every cycle of its turn, the cycle
            // that takes it last, so that they wait on no stream handshake (those that no
            // check of the same word reads)
            if (descriptor_take) begin
                load_word      <= load_word + 1'b1;
                load_word_last <= (load_word == 3'd6);
                load_word_at   <= {load_word_at[6:0], load_word_at[7]};
            end
            if (descriptor_take && load_word_last) begin
                load_weight_total <= weight_total_next;
                load_state_total  <= state_total_next;
                load_layer <= load_layer + 1'b1;
                load_layer_later <= 1'b1;
            end
            case (load_word)
                3'd0: begin
                    load_record[D_N_IN +: 16]     <= field_lo;
                    load_record[D_N_OUT +: 16]    <= field_hi;
                    load_record[D_N_OUT_M1 +: 16] <= field_hi - 1'b1;
                    load_record[D_ROWS +: WORD_W + 1] <= field_rows[WORD_W:0];
                    load_record[D_IN_WORDS +: 12] <= ({1'b0, field_lo} + 17'd31) >> 5;
                    load_record[D_IN_MASK +: 32]  <= (field_lo[4:0] == 5'd0) ? 32'hFFFFFFFF : ~(32'hFFFFFFFF << field_lo[4:0]);
                    load_out_mask <= (field_hi[4:0] == 5'd0) ? 32'hFFFFFFFF : ~(32'hFFFFFFFF << field_hi[4:0]);
                    load_record[D_WBASE +: WADDR_W + 1] <= load_weight_total[WADDR_W:0];
                    load_record[D_SBASE +: WORD_W + 1]  <= load_state_total[WORD_W:0];
                    load_record[D_ONE_OUT]        <= (field_hi == 16'd1);
                    if (descriptor_take) load_prev_n_out <= field_hi;  // D0's check reads it in this turn
                    if (load_layer == 0) begin
                        load_first_n_in     <= field_lo;
                        load_first_n_out_m1 <= field_hi - 1'b1;
                    end
                end
                3'd1: begin
                    load_record[D_IZH]          <= in_tdata[0];
                    load_record[D_FRAC +: 4]    <= in_tdata[7:4];
                    load_record[D_Q +: 5]       <= in_tdata[12:8];
                    load_record[D_BETA +: 9]    <= in_tdata[24:16];
                    load_record[D_CHUNKS_M1 +: ENTRY_W] <= (record_rows - 1'b1) >> BANK_BITS;
                    load_record[D_LAST_SLOTS +: BANKS]  <= last_chunk_slots(record_rows);
                    product_n_in <= load_record[D_N_IN +: 16];
                    product_rows <= record_rows;
                    if (load_layer == 0) load_first_izh <= in_tdata[0];
                end
                3'd2: begin load_record[D_THRESHOLD +: 16] <= field_lo; load_record[D_V_INIT +: 16] <= field_hi; end
                3'd3: begin load_record[D_U_INIT +: 16] <= field_lo; load_record[D_A0 +: 16] <= field_hi; end
                3'd4: begin load_record[D_A1 +: 16] <= field_lo; load_record[D_A2 +: 16] <= field_hi; end
                3'd5: begin load_record[D_A3 +: 16] <= field_lo; load_record[D_B1 +: 16] <= field_hi; end
                3'd6: begin load_record[D_B2 +: 16] <= field_lo; load_record[D_B3 +: 16] <= field_hi; end
                default: begin load_record[D_C +: 16] <= field_lo; load_record[D_D +: 16] <= field_hi; end
            endcase
        end
    end

    // a record is written into the bank not in use the cycle after its last word, from registers
    reg                record_write;
    reg  [LAYER_W:0]   record_slot;
    always @(posedge aclk) begin
        record_write <= descriptor_take && load_word_last;
        record_slot  <= {!live, load_layer[LAYER_W-1:0]};
        if (record_write) descriptors[record_slot] <= load_record;
    end

    // the slots of a row's last chunk: ((R - 1) mod BANKS) + 1 of them
    function automatic [BANKS-1:0] last_chunk_slots;
        input [WORD_W:0] rows;
        integer o;
        begin
            for (o = 0; o < BANKS; o = o + 1)
                last_chunk_slots[o] = (o <= ((rows - 1) & (BANKS - 1)));
        end
    endfunction

    // ================================================================== LOAD: weights
    reg  [31:0]        weight_stream_count;
    reg  [PACK_W-1:0]  pack_index;
    reg  [LANES*4-1:0] pack_buffer;
    reg  [WADDR_W-1:0] weight_load_addr;
    reg                weight_write;
    reg  [WADDR_W-1:0] weight_write_addr;
    reg  [LANES*4-1:0] weight_write_data;
    (* keep *) wire    weight_take = in_tvalid && in_load_weights;
    wire               last_weight_word = weight_stream_count == weight_stream_last;
    integer            p;

    always @(posedge aclk) begin
        weight_write <= 1'b0;
        if (!in_load_weights) begin  // ready for the weights that follow a commit
            weight_stream_count <= 32'd0;
            pack_index <= 0;
            weight_load_addr <= 0;
        end else if (weight_take) begin
            for (p = 0; p < PACK; p = p + 1)
                if (pack_index == p) pack_buffer[p * 32 +: 32] <= in_tdata;
            if (pack_index == PACK - 1) begin
                weight_write      <= 1'b1;
                weight_write_addr <= weight_load_addr;
                for (p = 0; p < PACK; p = p + 1)  // this stream word on top of the ones before it
                    weight_write_data[p * 32 +: 32] <= (p == PACK - 1) ? in_tdata : pack_buffer[p * 32 +: 32];
                weight_load_addr  <= weight_load_addr + 1'b1;
                pack_index <= 0;
            end else begin
                pack_index <= pack_index + 1'b1;
            end
            weight_stream_count <= weight_stream_count + 1'b1;
        end
    end

    // ================================================================== the command state machine
    reg  [15:0]        sample, step;
    reg  [LAYER_W-1:0] layer;
    reg  [4:0]         drain;             // cycles left of a drain phase
    reg                drain_done;        // drain == 0
    reg  [15:0]        samples_m1, steps_m1;   // SAMPLES - 1, STEPS - 1: registers change only while idle
    reg                layer_ends_step;        // current_output, and no raster follows
    reg                step_ends_sample;       // last_step, and no counts or states follow
    // sample == SAMPLES - 1 and step == STEPS - 1, right from the cycle after the one after
    // either changes: no phase that reads them comes earlier than S_LAYER_PARAMS
    reg                last_sample, last_step;
    reg                run_size_zero;          // STEPS or SAMPLES is 0
    always @(posedge aclk) begin
        run_size_zero <= steps == 16'd0 || samples == 16'd0;
        samples_m1  <= samples - 1'b1;
        steps_m1    <= steps - 1'b1;
        last_sample <= (sample == samples_m1);
        last_step   <= (step == steps_m1);
        step_ends_sample <= last_step && !out_mode[1] && !out_mode[2];
    end

    // current layer, latched in S_LAYER
    reg  [DESC_W-1:0]  current;
    reg                current_first, current_output, current_input_layer;
    reg                current_read_buffer, current_write_buffer;
    wire [WORD_W:0]    current_rows     = current[D_ROWS +: WORD_W + 1];
    wire [ENTRY_W-1:0] current_chunks_m1 = current[D_CHUNKS_M1 +: ENTRY_W];

    // scanner and update (below) tell the machine
    (* keep *) wire scan_done;             // the scan's last cycle
    (* keep *) wire scan_take;             // an input word is taken
    reg  [WORD_W:0] update_word;           // the update's word within the layer
    reg  [WORD_W:0] update_state_word;     // and within the network
    reg  [WORD_W:0] update_left;           // words after this one
    reg             update_last;           // update_left == 0

    // output stream (below)
    wire can_push;                         // the output slice takes a word: a register
    (* keep *) wire in_output = in_raster || in_counts || in_states;
    (* keep *) wire push = in_output && can_push;
    reg  raster_last, counts_last, states_last_neuron;  // the section's last word (neuron of a layer)
    reg  count_high_zero;                                // counts_last, and n_out is odd
    reg  states_last_layer;

    // the input stream: ready where the machine takes a word
    wire scan_wants_input;
    assign in_tready = in_load || scan_wants_input;
    (* keep *) wire stalled = (in_tready && !in_tvalid) || (in_output && !can_push);
    wire last_input_word;                  // the run's last input word is on offer

    // the events that end a layer's step, a step and a sample: a few LUTs from registers.
    // The control nets marked keep are cut points for the LUT mapper, which otherwise
    // folds the state decoding into chains deeper than the logic needs
    // update_drained: in S_UPDATE_DRAIN with drain_done, a register set the cycle before
    reg             update_drained;
    (* keep *) wire step_ends = (update_drained && layer_ends_step) ||
                                (in_raster && can_push && raster_last);
    (* keep *) wire sample_ends = (step_ends && step_ends_sample) ||
                                  (in_counts && can_push && counts_last && !out_mode[2]) ||
                                  (in_states && can_push && states_last_neuron && states_last_layer);

    always @(posedge aclk) begin
        state_next = state;
        at_next = at;
        if (!aresetn) begin
            go(S_IDLE);
            errors <= 7'd0; raised <= 7'd0; update_drained <= 1'b0;
            done <= 1'b0; isr <= 1'b0; loaded <= 1'b0; drain_after <= 1'b0;
            cycles <= 64'd0; stalls <= 64'd0;
            count_cycle <= 1'b0; count_stall <= 1'b0;
            cycles_carry <= 1'b0; stalls_carry <= 1'b0;
            live <= 1'b0;
        end else begin
            raised <= 7'd0;
            update_drained <= 1'b0;
            count_cycle  <= busy && !stalled;
            count_stall  <= busy && stalled;
            cycles_carry <= count_cycle && (&cycles[31:0]);
            stalls_carry <= count_stall && (&stalls[31:0]);
            if (count_cycle) cycles[31:0] <= cycles[31:0] + 1'b1;
            if (count_stall) stalls[31:0] <= stalls[31:0] + 1'b1;
            if (cycles_carry) cycles[63:32] <= cycles[63:32] + 1'b1;
            if (stalls_carry) stalls[63:32] <= stalls[63:32] + 1'b1;

            (* parallel_case *)
            case (1'b1)
                at[S_START]: begin
                    cycles <= 64'd0; stalls <= 64'd0;  // none counted yet
                    if (load_requested) begin
                        go(S_LOAD_HEADER);
                    end else if (!loaded) begin
                        raised[E_NOT_LOADED] <= 1'b1;
                        go(S_DONE);
                    end else if (run_size_zero) begin
                        raised[E_PARAM] <= 1'b1;
                        go(S_DONE);
                    end else begin
                        go(S_LAYER);
                    end
                end

                // ---------------------------------------------------------- LOAD
                at[S_LOAD_HEADER]: if (load_take) begin
                    if (in_checks[C_HEADER_BAD]) begin
                        raised[E_HEADER] <= 1'b1;
                        go(in_tlast ? S_DONE : S_DRAIN_IN);
                    end else if (in_checks[C_HEADER_TOO_DEEP]) begin
                        raised[E_CAPACITY] <= 1'b1;
                        go(in_tlast ? S_DONE : S_DRAIN_IN);
                    end else if (in_tlast) begin
                        raised[E_SHORT] <= 1'b1;
                        go(S_DONE);
                    end else begin
                        go(S_LOAD_DESCRIPTORS);
                    end
                end

                at[S_LOAD_DESCRIPTORS]: if (descriptor_take) begin
                    if (descriptor_errors != 7'd0) begin
                        raised <= descriptor_errors;
                        go(in_tlast ? S_DONE : S_DRAIN_IN);
                    end else if (in_tlast) begin
                        raised[E_SHORT] <= 1'b1;
                        go(S_DONE);
                    end else if (commit) begin
                        live <= !live;
                        loaded <= 1'b0;
                        go(S_LOAD_WEIGHTS);
                    end
                end

                at[S_LOAD_WEIGHTS]: if (weight_take) begin
                    if (last_weight_word) begin
                        if (in_tlast) begin
                            loaded <= 1'b1;
                            go(S_DONE);
                        end else begin
                            raised[E_LONG] <= 1'b1;
                            go(S_DRAIN_IN);
                        end
                    end else if (in_tlast) begin
                        raised[E_SHORT] <= 1'b1;
                        go(S_DONE);
                    end
                end

                at[S_DRAIN_IN]: if (load_take && in_tlast) go(S_DONE);

                // ---------------------------------------------------------- RUN
                at[S_LAYER]:        go(S_LAYER_PARAMS);
                at[S_LAYER_PARAMS]: go(S_SCAN);

                at[S_SCAN]: begin
                    if (scan_take && current_input_layer && in_tlast && !last_input_word) begin
                        raised[E_SHORT] <= 1'b1;
                        go(S_DONE);
                    end else begin
                        if (scan_take && current_input_layer && last_input_word && !in_tlast) begin
                            raised[E_LONG] <= 1'b1;
                            drain_after <= 1'b1;
                        end
                        if (scan_done) begin
                            drain <= ACC_DRAIN - 1;
                            drain_done <= (ACC_DRAIN == 1);
                            go(S_SCAN_DRAIN);
                        end
                    end
                end

                at[S_SCAN_DRAIN]: begin
                    if (drain_done) begin
                        go(S_UPDATE);
                    end else begin
                        drain <= drain - 1'b1;
                        drain_done <= (drain == 5'd1);
                    end
                end

                at[S_UPDATE]: if (update_last) begin
                    drain <= UPDATE_DRAIN - 1;
                    drain_done <= (UPDATE_DRAIN == 1);
                    update_drained <= (UPDATE_DRAIN == 1);
                    go(S_UPDATE_DRAIN);
                end

                at[S_UPDATE_DRAIN]: begin
                    if (!drain_done) begin
                        drain <= drain - 1'b1;
                        drain_done <= (drain == 5'd1);
                        update_drained <= (drain == 5'd1);
                    end else if (!current_output) begin
                        go(S_LAYER);
                    end else if (out_mode[0]) begin
                        go(S_RASTER);
                    end else begin
                        after_step();
                    end
                end

                // the sections' ends as step_ends, push and sample_ends have them in these
                // states, from registers: the next state waits on no chain of events
                at[S_RASTER]: if (can_push && raster_last) after_step();

                at[S_COUNTS]: if (can_push && counts_last) begin
                    if (out_mode[2]) go(S_STATES);
                    else after_sample();
                end

                at[S_STATES]: if (can_push && states_last_neuron && states_last_layer) after_sample();

                at[S_DONE]: begin
                    done <= 1'b1;
                    isr <= 1'b1;
                    drain_after <= 1'b0;
                    go(S_IDLE);
                end

                default: ;
            endcase

            errors <= errors | raised;

            // register writes come last: they win over the machine in the same cycle
            if (reg_write) begin
                if (write_to_ctrl) begin
                    if (reg_write_data[2]) begin
                        go(S_IDLE);
                        errors <= 7'd0; raised <= 7'd0; done <= 1'b0; isr <= 1'b0;
                        update_drained <= 1'b0;
                        drain_after <= 1'b0;
                    end else if (reg_write_data[0] && reg_write_data[1]) begin
                        errors[E_PARAM] <= 1'b1;
                    end else if (reg_write_data[0] || reg_write_data[1]) begin
                        if (busy) begin
                            errors[E_BUSY_START] <= 1'b1;
                        end else begin
                            errors <= 7'd0; done <= 1'b0;
                            go(S_START);
                        end
                    end
                end
                if (write_to_error) errors <= (errors | raised) & ~reg_write_data[6:0];
                if (write_to_isr && reg_write_data[0]) isr <= 1'b0;
            end
        end
        state <= state_next;
        at    <= at_next;
    end

    // the last layer of step t is done (and its raster sent): the next step, or the sample's sections
    task after_step;
        begin
            if (last_step) begin
                if (out_mode[1])      go(S_COUNTS);
                else if (out_mode[2]) go(S_STATES);
                else                  after_sample();
            end else begin
                go(S_LAYER);
            end
        end
    endtask

    task go;
        input [3:0] next;
        begin
            state_next = next;
            at_next = 16'd1 << next;
        end
    endtask

    task after_sample;
        go(!last_sample ? S_LAYER : drain_after ? S_DRAIN_IN : S_DONE);
    endtask

    // the run's counters: layer, step and sample, and SAMPLES_DONE
    always @(posedge aclk) begin
        if (!aresetn || at[S_START]) begin
            sample <= 16'd0; step <= 16'd0; layer <= 0;
            samples_done <= 16'd0;
        end else begin
            if (sample_ends) samples_done <= samples_done + 1'b1;
            if (sample_ends && !last_sample) sample <= sample + 1'b1;
            if (sample_ends)                  step <= 16'd0;
            else if (step_ends && !last_step) step <= step + 1'b1;
            if (step_ends)                                   layer <= 0;
            else if (update_drained && !current_output) layer <= layer + 1'b1;
        end
    end

    // the command a CTRL write started (RUN or LOAD)
    always @(posedge aclk)
        if (write_ctrl && !busy && (reg_write_data[1:0] == 2'b01 || reg_write_data[1:0] == 2'b10))
            load_requested <= reg_write_data[1];

    // the loaded network's facts, taken when its descriptors pass: the weight stream's
    // length at once (the weights follow), the rest a cycle later, from the load's
    // registers that hold them then (the totals have just taken this layer's), so that
    // the commit drives few registers. Nothing reads them before the load is done.
    reg commit_done;
    always @(posedge aclk) begin
        commit_done <= commit;
        if (commit) weight_stream_last <= weight_total_next * PACK - 1;
        if (commit_done) begin
            net_layers            <= load_layers;
            last_layer            <= load_layers_m1[LAYER_W-1:0];
            net_inputs            <= load_first_n_in;
            net_outputs           <= load_record[D_N_OUT +: 16];
            net_weight_words      <= load_weight_total;
            net_state_words       <= load_state_total;
            raster_words_m1       <= (load_record[D_N_OUT_M1 +: 16]) >> 5;
            count_words_m1        <= (load_record[D_N_OUT_M1 +: 16]) >> 1;
            raster_last_mask      <= load_out_mask;
            count_last_half_empty <= load_record[D_N_OUT];
            last_buffer           <= load_layers_m1[0];
            first_n_out_m1        <= load_first_n_out_m1;
            first_izh             <= load_first_izh;
        end
    end

    // ================================================================== the scanner
    // In S_SCAN, a cycle with no spike pending takes the next input word (from the stream
    // for layer 0, from the previous layer's spike buffer otherwise); a cycle with spikes
    // pending issues one chunk of the lowest one's row. The cycle that finds no spike
    // pending and no word left ends the scan.
    reg  [NEURONS-1:0] spikes_0, spikes_1;
    reg  [31:0]        pending;
    reg                pending_none;        // pending == 0
    reg  [ENTRY_W-1:0] chunk;
    reg  [11:0]        words_left;
    reg                words_done;          // words_left == 0
    reg                last_word;           // the word on offer is the layer's last
    reg  [11:0]        word_index, next_word_index, taken_word;
    reg  [31:0]        spike_word;          // word word_index of the previous layer's spikes
    reg                issue_valid, issue_last;
    reg  [INPUT_W-1:0] issue_input;
    reg  [ENTRY_W-1:0] issue_chunk;

    wire [31:0] offered      = current_input_layer ? in_tdata : spike_word;
    wire        offered_valid = current_input_layer ? in_tvalid : 1'b1;
    wire [31:0] offered_bits = offered & (last_word ? current[D_IN_MASK +: 32] : 32'hFFFFFFFF);
    assign scan_wants_input = in_scan && current_input_layer && pending_none && !words_done;
    assign scan_take = in_scan && pending_none && !words_done && offered_valid;
    assign scan_done = in_scan && pending_none && words_done;
    assign last_input_word = last_sample && last_step && last_word;

    // Pending spikes are kept in 8 groups of four bits, with two registers per group beside
    // them: whether it has a spike, and the index of its lowest one. The spike issued is
    // the lowest of the lowest group that has one, and clearing it changes that group
    // only, so neither takes a carry chain or a 32-bit priority encoder.
    reg  [7:0]  groups_pending;     // group g has a spike pending
    reg  [15:0] groups_first;       // the lowest pending bit of each group, 2 bits a group
    (* keep *) wire [7:0] groups_below;  // a group below g has a spike (each bit a mapper cut point)
    (* keep *) wire [7:0] lowest_group;  // one-hot: the lowest group with a spike
    wire [7:0]  groups_several;     // group g has more than one
    wire [4:0]  pending_lowest;     // the index of the spike issued
    reg  [1:0]  lowest_within;

    function automatic [1:0] first_of4;  // the lowest set bit of four (3 if none)
        input [3:0] x;
        first_of4 = x[0] ? 2'd0 : x[1] ? 2'd1 : x[2] ? 2'd2 : 2'd3;
    endfunction

    function automatic [3:0] clear_lowest4;  // four bits without their lowest set one
        input [3:0] x;
        clear_lowest4 = {x[3] && |x[2:0], x[2] && |x[1:0], x[1] && x[0], 1'b0};
    endfunction

    genvar g;
    generate
        for (g = 0; g < 8; g = g + 1) begin : group_of
            wire [3:0] bits = pending[4 * g +: 4];
            assign groups_several[g] = (bits[0] && |bits[3:1]) || (bits[1] && |bits[3:2]) || (bits[2] && bits[3]);
            if (g == 0) begin : first
                assign groups_below[g] = 1'b0;
            end else begin : later
                assign groups_below[g] = |groups_pending[g-1:0];
            end
            assign lowest_group[g] = groups_pending[g] && !groups_below[g];
        end
    endgenerate

    integer q;
    always @(*) begin
        lowest_within = 2'd0;
        for (q = 0; q < 8; q = q + 1)
            lowest_within = lowest_within | (lowest_group[q] ? groups_first[2 * q +: 2] : 2'd0);
    end
    assign pending_lowest = {|lowest_group[7:4], |{lowest_group[7:6], lowest_group[3:2]},
                             |{lowest_group[7], lowest_group[5], lowest_group[3], lowest_group[1]}, lowest_within};

    // both candidates are read from registers; the take only picks one of them at the end
    wire [31:0] spike_words_0 [0:SPIKE_WORDS-1];
    wire [31:0] spike_words_1 [0:SPIKE_WORDS-1];
    genvar b;
    generate
        for (b = 0; b < SPIKE_WORDS; b = b + 1) begin : spike_word_of
            assign spike_words_0[b] = spikes_0[b * 32 +: 32];
            assign spike_words_1[b] = spikes_1[b * 32 +: 32];
        end
    endgenerate
    wire [SPIKE_W-1:0] this_index = word_index[SPIKE_W-1:0];
    wire [SPIKE_W-1:0] next_index = next_word_index[SPIKE_W-1:0];
    wire [31:0] this_spike_word = current_read_buffer ? spike_words_1[this_index] : spike_words_0[this_index];
    wire [31:0] next_spike_word = current_read_buffer ? spike_words_1[next_index] : spike_words_0[next_index];

    always @(posedge aclk) begin
        // AND-OR, not a multiplexer: Yosys would share the two trees behind a multiplexer
        // into one (opt_share), indexed by the late take
        spike_word  <= ({32{scan_take}} & next_spike_word) | ({32{!scan_take}} & this_spike_word);
        issue_valid <= 1'b0;
        if (at[S_LAYER]) begin
            word_index <= 12'd0;
            next_word_index <= 12'd1;
        end else if (at[S_LAYER_PARAMS]) begin
            pending_none <= 1'b1;
            chunk <= 0;
            words_left <= current[D_IN_WORDS +: 12];
            words_done <= (current[D_IN_WORDS +: 12] == 12'd0);
            last_word <= (current[D_IN_WORDS +: 12] == 12'd1);
        end else if (in_scan) begin
            if (pending_none) begin
                // the word on offer is loaded whether or not it is taken: pending counts
                // only once pending_none says so
                pending <= offered_bits;
                pending_none <= !scan_take || offered_bits == 32'd0;
                for (q = 0; q < 8; q = q + 1) begin
                    groups_pending[q] <= |offered_bits[4 * q +: 4];
                    groups_first[2 * q +: 2] <= first_of4(offered_bits[4 * q +: 4]);
                end
                chunk <= 0;
                taken_word <= word_index;
                if (scan_take) begin
                    word_index <= next_word_index;
                    next_word_index <= next_word_index + 1'b1;
                    words_left <= words_left - 1'b1;
                    words_done <= (words_left == 12'd1);
                    last_word <= (words_left == 12'd2);
                end
            end else begin
                issue_valid <= 1'b1;
                issue_input <= {taken_word, pending_lowest};
                issue_chunk <= chunk;
                issue_last  <= (chunk == current_chunks_m1);
                if (chunk == current_chunks_m1) begin
                    for (q = 0; q < 8; q = q + 1)
                        if (lowest_group[q]) begin
                            pending[4 * q +: 4] <= clear_lowest4(pending[4 * q +: 4]);
                            groups_pending[q] <= groups_several[q];
                            groups_first[2 * q +: 2] <= first_of4(clear_lowest4(pending[4 * q +: 4]));
                        end
                    pending_none <= !(|(groups_pending & ~lowest_group) || |(lowest_group & groups_several));
                    chunk <= 0;
                end else begin
                    chunk <= chunk + 1'b1;
                end
            end
        end
        if (flush) pending_none <= 1'b1;
    end

    // ================================================================== synapses and accumulators
    wire               add_en;
    wire [ENTRY_W-1:0] add_entry;
    wire [BANKS-1:0]   add_slots;
    wire [BANKS*LANES*4-1:0] add_weights;
    wire [LANES*ACC_W-1:0]   lane_currents;

    snn_synapse_fetch #(
        .LANES(LANES), .BANKS(BANKS), .WEIGHT_WORDS(WEIGHT_WORDS), .WORDS(STATE_WORDS), .FAN_IN(FAN_IN)
    ) synapses (
        .clk(aclk), .flush(flush),
        .wr_en(weight_write), .wr_addr(weight_write_addr), .wr_data(weight_write_data),
        .layer_wbase(current[D_WBASE +: WADDR_W + 1]), .layer_rows(current_rows),
        .layer_last_slots(current[D_LAST_SLOTS +: BANKS]),
        .issue_valid(issue_valid), .issue_input(issue_input), .issue_chunk(issue_chunk), .issue_last(issue_last),
        .add_en(add_en), .add_entry(add_entry), .add_slots(add_slots), .add_weights(add_weights)
    );

    snn_accumulator #(.LANES(LANES), .BANKS(BANKS), .WORDS(STATE_WORDS), .ACC_W(ACC_W)) accumulators (
        .clk(aclk), .clear(at[S_START]),
        .add_en(add_en), .add_entry(add_entry), .add_slots(add_slots), .add_weights(add_weights),
        .rd_en(at[S_UPDATE]), .rd_word(update_word[WORD_W-1:0]), .rd_acc(lane_currents)
    );

    // ================================================================== the update
    always @(posedge aclk) begin
        if (at[S_LAYER]) begin
            current              <= descriptors[{live, layer}];
            current_first        <= (step == 16'd0);
            current_output       <= (layer == last_layer);
            layer_ends_step      <= (layer == last_layer) && !out_mode[0];
            current_input_layer  <= (layer == 0);
            current_read_buffer  <= !layer[0];      // written by layer l - 1
            current_write_buffer <= layer[0];
        end
        if (at[S_LAYER_PARAMS]) begin
            update_left       <= current_rows - 1'b1;
            update_last       <= (current_rows == 1);
            update_word       <= 0;
            update_state_word <= current[D_SBASE +: WORD_W + 1];
        end else if (at[S_UPDATE]) begin
            update_left       <= update_left - 1'b1;
            update_last       <= (update_left == 1);
            update_word       <= update_word + 1'b1;
            update_state_word <= update_state_word + 1'b1;
        end
    end

    wire [LANES-1:0]    lane_spikes;
    wire [LANES-1:0]    lane_out_valid;
    wire [WORD_W*LANES-1:0] lane_out_word;
    wire [15:0]         lane_v_of [0:LANES-1];
    wire [15:0]         lane_u_of [0:LANES-1];
    wire [15:0]         lane_count_of [0:LANES-1];
    reg  [WORD_W-1:0]   readout_state_word, readout_count_word;
    // Each lane (each pair of lanes for the counts) reads its own copy of the read-out
    // word, which moves on to the next word once the lane's value is sent: the copies
    // differ, so synthesis keeps them all, and each address reaches one lane's memories.
    // A pair's copy is steady for at least LANES / 2 pushes before the pair is sent, as
    // the lanes' registered count read-out needs (rd_cnt follows rd_cnt_addr by a cycle).
    reg  [WORD_W-1:0]   state_word_of [0:LANES-1];
    reg  [WORD_W-1:0]   count_word_of [0:LANES/2-1];

    genvar k;
    generate
        for (k = 0; k < LANES; k = k + 1) begin : lane
            snn_lane #(.WORDS(STATE_WORDS), .ADDR_W(WORD_W), .ACC_W(ACC_W)) u (
                .clk(aclk), .flush(flush),
                .param_load(at[S_LAYER_PARAMS]), .param_izh(current[D_IZH]),
                .param_first(current_first), .param_count(current_output),
                .param_frac(current[D_FRAC +: 4]), .param_q(current[D_Q +: 5]), .param_beta(current[D_BETA +: 9]),
                .param_threshold(current[D_THRESHOLD +: 16]), .param_v_init(current[D_V_INIT +: 16]),
                .param_u_init(current[D_U_INIT +: 16]),
                .param_a0(current[D_A0 +: 16]), .param_a1(current[D_A1 +: 16]), .param_a2(current[D_A2 +: 16]),
                .param_a3(current[D_A3 +: 16]), .param_b1(current[D_B1 +: 16]), .param_b2(current[D_B2 +: 16]),
                .param_b3(current[D_B3 +: 16]), .param_c(current[D_C +: 16]), .param_d(current[D_D +: 16]),
                .upd_valid(at[S_UPDATE]), .upd_addr(update_state_word[WORD_W-1:0]),
                .upd_word(update_word[WORD_W-1:0]), .acc(lane_currents[ACC_W*k +: ACC_W]),
                .out_valid(lane_out_valid[k]), .out_word(lane_out_word[WORD_W*k +: WORD_W]), .spike(lane_spikes[k]),
                .rd_state_addr(state_word_of[k]), .rd_v(lane_v_of[k]), .rd_u(lane_u_of[k]),
                .rd_cnt_addr(count_word_of[k / 2]), .rd_cnt(lane_count_of[k])
            );
        end
    endgenerate

    // the spikes of each updated word into the layer's buffer. Padding neurons (index >= n_out)
    // may spike too: every reader masks them off.
    wire [WORD_W-1:0] spike_slot = lane_out_word[WORD_W-1:0];
    integer w;
    always @(posedge aclk) begin
        for (w = 0; w < STATE_WORDS; w = w + 1) begin
            if (lane_out_valid[0] && spike_slot == w) begin
                if (current_write_buffer) spikes_1[w * LANES +: LANES] <= lane_spikes;
                else                      spikes_0[w * LANES +: LANES] <= lane_spikes;
            end
        end
    end

    // ================================================================== the output stream
    // A word a cycle is pushed into a register slice while it has room (its ready is a
    // register, so m_axis_tready reaches no further than the slice); the slice's outputs
    // are the m_axis ports. The read-out counters of a section stay at 0 outside it.
    // Each section counts down the words (neurons) left after the current one, and a
    // register says when that is none.
    reg  [15:0]          raster_word;
    reg  [15:0]          raster_left, count_left, state_left;
    reg  [LANE_BITS-2:0] count_pair;  // lanes 2p and 2p + 1 are sent in one word
    reg  [LANE_BITS-1:0] state_lane;
    reg  [LAYER_W-1:0]   state_next_layer;           // the layer after the one read out
    reg                  state_izh;
    wire [DESC_W-1:0]    next_state_record = descriptors[{live, state_next_layer}];
    wire [15:0]          next_state_n_out_m1 = next_state_record[D_N_OUT_M1 +: 16];


    wire [SPIKE_W-1:0] raster_index = raster_word[SPIKE_W-1:0];
    wire [31:0] raster_data = (last_buffer ? spike_words_1[raster_index] : spike_words_0[raster_index]) &
                              (raster_last ? raster_last_mask : 32'hFFFFFFFF);
    wire [15:0] count_low   = lane_count_of[{count_pair, 1'b0}];
    wire [15:0] count_high  = count_high_zero ? 16'd0 : lane_count_of[{count_pair, 1'b1}];
    wire [15:0] state_v     = lane_v_of[state_lane];
    wire [15:0] state_u     = state_izh ? lane_u_of[state_lane] : 16'd0;

    reg  [31:0] out_data;
    reg         out_last;
    // the states' word and the other sections' word are kept nets (mapper cut points), so
    // that the choice between them and the output slice's own multiplexer are one LUT
    (* keep *) wire [31:0] states_word = {state_u, state_v};
    (* keep *) wire [31:0] other_word  = in_raster ? raster_data : {count_high, count_low};
    always @(*) begin
        out_data = in_states ? states_word : other_word;
        if (in_raster)      out_last = last_sample && last_step && raster_last && !out_mode[1] && !out_mode[2];
        else if (in_counts) out_last = last_sample && counts_last && !out_mode[2];
        else                out_last = last_sample && states_last_layer && states_last_neuron;
    end

    snn_axis_register #(.DATA_W(32)) output_slice (
        .clk(aclk), .flush(flush),
        .s_tdata(out_data), .s_tvalid(push), .s_tready(can_push), .s_tlast(out_last),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready), .m_tlast(m_axis_tlast)
    );

    always @(posedge aclk) begin
        if (!in_raster) begin
            raster_word   <= 16'd0;
            raster_left   <= raster_words_m1;
            raster_last <= (raster_words_m1 == 16'd0);
        end else if (push) begin
            raster_word   <= raster_word + 1'b1;
            raster_left   <= raster_left - 1'b1;
            raster_last <= (raster_left == 16'd1);
        end

        if (!in_counts) begin
            count_left    <= count_words_m1;
            counts_last <= (count_words_m1 == 16'd0);
            count_high_zero <= (count_words_m1 == 16'd0) && count_last_half_empty;
            count_pair <= 0;
            readout_count_word <= 0;
        end else if (push) begin
            count_left    <= count_left - 1'b1;
            counts_last <= (count_left == 16'd1);
            count_high_zero <= (count_left == 16'd1) && count_last_half_empty;
            count_pair <= count_pair + 1'b1;
            if (count_pair == LANES / 2 - 1) readout_count_word <= readout_count_word + 1'b1;
        end

        if (!in_states) begin
            state_left <= first_n_out_m1;
            states_last_neuron <= (first_n_out_m1 == 16'd0);
            state_lane <= 0;
            state_next_layer <= 1;
            states_last_layer <= (last_layer == 0);
            state_izh <= first_izh;
            readout_state_word <= 0;
        end else if (push) begin
            if (states_last_neuron) begin
                state_left <= next_state_n_out_m1;
                states_last_neuron <= next_state_record[D_ONE_OUT];
                state_lane <= 0;
                readout_state_word <= readout_state_word + 1'b1;
                states_last_layer <= (state_next_layer == last_layer);
                state_next_layer <= state_next_layer + 1'b1;
                state_izh <= next_state_record[D_IZH];
            end else begin
                state_left <= state_left - 1'b1;
                states_last_neuron <= (state_left == 16'd1);
                state_lane <= state_lane + 1'b1;
                if (state_lane == LANES - 1) readout_state_word <= readout_state_word + 1'b1;
            end
        end
    end

    integer c;
    always @(posedge aclk) begin
        for (c = 0; c < LANES / 2; c = c + 1)
            if (!in_counts)                     count_word_of[c] <= 0;
            else if (push && count_pair == c)   count_word_of[c] <= readout_count_word + 1'b1;
        for (c = 0; c < LANES; c = c + 1)
            if (!in_states)                     state_word_of[c] <= 0;
            else if (push && (states_last_neuron || state_lane == c))
                                                state_word_of[c] <= readout_state_word + 1'b1;
    end

    assign m_axis_tkeep = 4'hF;

    // ================================================================== the register file
    always @(posedge aclk) begin
        if (!aresetn) begin
            ier <= 1'b0;
            out_mode <= 3'b001; steps <= 16'd1; samples <= 16'd1;
        end else if (reg_write) begin
            case (reg_write_addr)
                R_IER:      ier <= reg_write_data[0];
                R_OUT_MODE: if (!busy) out_mode <= reg_write_data[2:0];
                R_STEPS:    if (!busy) steps <= reg_write_data[15:0];
                R_SAMPLES:  if (!busy) samples <= reg_write_data[15:0];
                default: ;
            endcase
        end
    end

    assign irq = ier && isr;

    always @(*) begin
        case (reg_read_addr)
            R_ID:               reg_read_data = ID_VALUE;
            R_VERSION:          reg_read_data = VERSION_VALUE;
            R_STATUS:           reg_read_data = {28'd0, (errors != 7'd0), loaded, done, busy};
            R_ERROR:            reg_read_data = {25'd0, errors};
            R_IER:              reg_read_data = {31'd0, ier};
            R_ISR:              reg_read_data = {31'd0, isr};
            R_OUT_MODE:         reg_read_data = {29'd0, out_mode};
            R_STEPS:            reg_read_data = {16'd0, steps};
            R_SAMPLES:          reg_read_data = {16'd0, samples};
            R_CYCLES_LO:        reg_read_data = cycles[31:0];
            R_CYCLES_HI:        reg_read_data = cycles[63:32];
            R_STALLS_LO:        reg_read_data = stalls[31:0];
            R_STALLS_HI:        reg_read_data = stalls[63:32];
            R_SAMPLES_DONE:     reg_read_data = {16'd0, samples_done};
            R_CAP_BANKS:        reg_read_data = BANKS;
            R_CAP_LANES:        reg_read_data = LANES;
            R_CAP_NEURONS:      reg_read_data = NEURONS;
            R_CAP_FAN_IN:       reg_read_data = FAN_IN;
            R_CAP_WEIGHT_WORDS: reg_read_data = WEIGHT_WORDS;
            R_CAP_LAYERS:       reg_read_data = LAYERS;
            R_CAP_STEPS:        reg_read_data = STEPS_MAX;
            R_CAP_MODELS:       reg_read_data = 32'h3;
            R_CAP_STREAM_BITS:  reg_read_data = 32'd32;
            R_NET_LAYERS:       reg_read_data = loaded ? {{(31 - LAYER_W){1'b0}}, net_layers} : 32'd0;
            R_NET_INPUTS:       reg_read_data = loaded ? {16'd0, net_inputs} : 32'd0;
            R_NET_OUTPUTS:      reg_read_data = loaded ? {16'd0, net_outputs} : 32'd0;
            R_NET_WEIGHT_WORDS: reg_read_data = loaded ? net_weight_words : 32'd0;
            R_NET_STATE_WORDS:  reg_read_data = loaded ? net_state_words : 32'd0;
            default:            reg_read_data = 32'd0;
        endcase
    end

    wire unused = &{1'b0, s_axi_awprot, s_axi_arprot, current[D_N_IN +: 16], 1'b0};
endmodule

`default_nettype wire
