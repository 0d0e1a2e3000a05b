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

    wire write_ctrl = reg_write && reg_write_addr == R_CTRL;
    wire soft_reset = write_ctrl && reg_write_data[2];

    // ================================================================== input stream
    // A register slice: the core sees the stream from registers, and s_axis_tready is one.
    // Words it holds wait as they would in the DMA; a soft reset drops them. The checks
    // of a header or descriptor word that depend on the word alone travel with it, so
    // that LOAD's decisions start from registers.
    localparam integer C_HEADER_BAD = 0, C_HEADER_TOO_DEEP = 1, C_ZERO_SIZE = 2, C_TOO_BIG = 3,
                       C_FIELD_RANGE = 4, C_THRESHOLD_LOW = 5, CHECKS = 6;
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
    wire              in_tvalid, in_tlast, in_tready;

    snn_axis_register #(.DATA_W(32 + CHECKS)) input_slice (
        .clk(aclk), .flush(!aresetn || soft_reset),
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
    localparam integer DESC_W       = D_SBASE + WORD_W + 1;

    reg  [DESC_W-1:0] descriptors [0:2*(1 << LAYER_W)-1];  // {bank, layer}
    reg               live;                 // the bank of the loaded network

    // ================================================================== command registers
    (* fsm_encoding = "one-hot" *)
    reg  [3:0]  state;
    reg  [6:0]  errors;
    reg         done, isr, ier, loaded, drain_after;
    reg  [2:0]  out_mode;
    reg  [15:0] steps, samples, samples_done;
    reg  [63:0] cycles, stalls;
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
    reg  [LAYER_W:0] load_layer;
    reg  [2:0]       load_word;
    reg  [31:0]      load_weight_total, load_state_total;  // wide enough to see an overflow
    reg  [15:0]      load_prev_n_out;
    reg  [DESC_W-1:0] load_record;
    reg  [15:0]      load_first_n_out_m1;
    reg              load_first_izh;
    reg  [15:0]      load_first_n_in;

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

    reg  [6:0] descriptor_errors;
    always @(*) begin
        descriptor_errors = 7'd0;
        case (load_word)
            3'd0: begin
                if (in_checks[C_ZERO_SIZE]) descriptor_errors[E_PARAM] = 1'b1;
                if (load_layer != 0 && field_lo != load_prev_n_out) descriptor_errors[E_PARAM] = 1'b1;
                if (in_checks[C_TOO_BIG]) descriptor_errors[E_CAPACITY] = 1'b1;
            end
            3'd1: if (in_checks[C_FIELD_RANGE]) descriptor_errors[E_PARAM] = 1'b1;
            3'd2: if (!load_record[D_IZH] && in_checks[C_THRESHOLD_LOW]) descriptor_errors[E_PARAM] = 1'b1;
            3'd7: if (load_layer == load_layers - 1'b1 && over_capacity) descriptor_errors[E_CAPACITY] = 1'b1;
            default: ;
        endcase
    end

    wire load_take         = in_tvalid && (state == S_LOAD_HEADER || state == S_LOAD_DESCRIPTORS ||
                                                state == S_LOAD_WEIGHTS || state == S_DRAIN_IN);
    wire descriptor_take   = load_take && state == S_LOAD_DESCRIPTORS;
    wire last_descriptor   = load_word == 3'd7 && load_layer == load_layers - 1'b1;
    // the image fits: the new layer table becomes the loaded one, then the weights overwrite the old
    wire commit            = descriptor_take && last_descriptor && !over_capacity && !in_tlast;
    wire [DESC_W-1:0] finished_record = {load_record[DESC_W-1:D_D + 16], field_hi, field_lo, load_record[D_C-1:0]};

    always @(posedge aclk) begin
        if (state == S_LOAD_HEADER) begin
            load_layers       <= in_tdata[LAYER_W:0];
            load_layer        <= 0;
            load_word         <= 3'd0;
            load_weight_total <= 32'd0;
            load_state_total  <= 32'd0;
        end else if (descriptor_take) begin
            load_word <= load_word + 1'b1;
            case (load_word)
                3'd0: begin
                    load_record[D_N_IN +: 16]     <= field_lo;
                    load_record[D_N_OUT +: 16]    <= field_hi;
                    load_record[D_N_OUT_M1 +: 16] <= field_hi - 1'b1;
                    load_record[D_ROWS +: WORD_W + 1] <= field_rows[WORD_W:0];
                    load_record[D_IN_WORDS +: 12] <= ({1'b0, field_lo} + 17'd31) >> 5;
                    load_record[D_IN_MASK +: 32]  <= (field_lo[4:0] == 5'd0) ? 32'hFFFFFFFF : ~(32'hFFFFFFFF << field_lo[4:0]);
                    load_record[D_WBASE +: WADDR_W + 1] <= load_weight_total[WADDR_W:0];
                    load_record[D_SBASE +: WORD_W + 1]  <= load_state_total[WORD_W:0];
                    load_prev_n_out <= field_hi;
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
                default: begin
                    descriptors[{!live, load_layer[LAYER_W-1:0]}] <= finished_record;
                    load_weight_total <= weight_total_next;
                    load_state_total  <= state_total_next;
                    load_layer <= load_layer + 1'b1;
                end
            endcase
        end
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
    wire               weight_take = load_take && state == S_LOAD_WEIGHTS;
    wire               last_weight_word = weight_stream_count == weight_stream_last;
    integer            p;

    always @(posedge aclk) begin
        weight_write <= 1'b0;
        if (state != S_LOAD_WEIGHTS) begin  // ready for the weights that follow a commit
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
    wire               busy = (state != S_IDLE);
    reg  [15:0]        samples_m1, steps_m1;   // SAMPLES - 1, STEPS - 1: registers change only while idle
    wire               last_sample = (sample == samples_m1);
    wire               last_step   = (step == steps_m1);
    always @(posedge aclk) begin
        samples_m1 <= samples - 1'b1;
        steps_m1   <= steps - 1'b1;
    end

    // current layer, latched in S_LAYER
    reg  [DESC_W-1:0]  current;
    reg                current_first, current_output, current_input_layer;
    reg                current_read_buffer, current_write_buffer;
    wire [WORD_W:0]    current_rows     = current[D_ROWS +: WORD_W + 1];
    wire [ENTRY_W-1:0] current_chunks_m1 = current[D_CHUNKS_M1 +: ENTRY_W];

    // scanner and update (below) tell the machine
    wire scan_done;                        // the scan's last cycle
    wire scan_take;                        // an input word is taken
    reg  [WORD_W:0] update_word;           // the update's word within the layer
    reg  [WORD_W:0] update_state_word;     // and within the network
    reg  [WORD_W:0] current_rows_m1;       // R - 1, from S_LAYER_PARAMS on
    wire update_last = (update_word == current_rows_m1);

    // output stream (below)
    wire can_push;                         // the output slice takes a word: a register
    wire in_output = (state == S_RASTER || state == S_COUNTS || state == S_STATES);
    wire push = in_output && can_push;
    wire raster_last, counts_last, states_last_neuron, states_last_layer;

    // the input stream: ready where the machine takes a word
    wire scan_wants_input;
    assign in_tready = (state == S_LOAD_HEADER || state == S_LOAD_DESCRIPTORS ||
                            state == S_LOAD_WEIGHTS || state == S_DRAIN_IN) || scan_wants_input;
    wire stalled = (in_tready && !in_tvalid) || (in_output && !can_push);
    wire last_input_word;                  // the run's last input word is on offer

    always @(posedge aclk) begin
        if (!aresetn) begin
            state <= S_IDLE;
            errors <= 7'd0;
            done <= 1'b0; isr <= 1'b0; loaded <= 1'b0; drain_after <= 1'b0;
            samples_done <= 16'd0;
            cycles <= 64'd0; stalls <= 64'd0;
            live <= 1'b0;
            net_layers <= 0;
        end else begin
            if (busy) begin
                if (stalled) stalls <= stalls + 1'b1;
                else         cycles <= cycles + 1'b1;
            end

            case (state)
                S_START: begin
                    sample <= 16'd0; step <= 16'd0; layer <= 0;
                    if (load_requested) begin
                        state <= S_LOAD_HEADER;
                    end else if (!loaded) begin
                        errors[E_NOT_LOADED] <= 1'b1;
                        state <= S_DONE;
                    end else if (steps == 16'd0 || samples == 16'd0) begin
                        errors[E_PARAM] <= 1'b1;
                        state <= S_DONE;
                    end else begin
                        state <= S_LAYER;
                    end
                end

                // ---------------------------------------------------------- LOAD
                S_LOAD_HEADER: if (load_take) begin
                    if (in_checks[C_HEADER_BAD]) begin
                        errors[E_HEADER] <= 1'b1;
                        state <= in_tlast ? S_DONE : S_DRAIN_IN;
                    end else if (in_checks[C_HEADER_TOO_DEEP]) begin
                        errors[E_CAPACITY] <= 1'b1;
                        state <= in_tlast ? S_DONE : S_DRAIN_IN;
                    end else if (in_tlast) begin
                        errors[E_SHORT] <= 1'b1;
                        state <= S_DONE;
                    end else begin
                        state <= S_LOAD_DESCRIPTORS;
                    end
                end

                S_LOAD_DESCRIPTORS: if (descriptor_take) begin
                    if (descriptor_errors != 7'd0) begin
                        errors <= errors | descriptor_errors;
                        state <= in_tlast ? S_DONE : S_DRAIN_IN;
                    end else if (in_tlast) begin
                        errors[E_SHORT] <= 1'b1;
                        state <= S_DONE;
                    end else if (commit) begin
                        live <= !live;
                        loaded <= 1'b0;
                        state <= S_LOAD_WEIGHTS;
                    end
                end

                S_LOAD_WEIGHTS: if (weight_take) begin
                    if (last_weight_word) begin
                        if (in_tlast) begin
                            loaded <= 1'b1;
                            state <= S_DONE;
                        end else begin
                            errors[E_LONG] <= 1'b1;
                            state <= S_DRAIN_IN;
                        end
                    end else if (in_tlast) begin
                        errors[E_SHORT] <= 1'b1;
                        state <= S_DONE;
                    end
                end

                S_DRAIN_IN: if (load_take && in_tlast) state <= S_DONE;

                // ---------------------------------------------------------- RUN
                S_LAYER:        state <= S_LAYER_PARAMS;
                S_LAYER_PARAMS: state <= S_SCAN;

                S_SCAN: begin
                    if (scan_take && current_input_layer && in_tlast && !last_input_word) begin
                        errors[E_SHORT] <= 1'b1;
                        state <= S_DONE;
                    end else begin
                        if (scan_take && current_input_layer && last_input_word && !in_tlast) begin
                            errors[E_LONG] <= 1'b1;
                            drain_after <= 1'b1;
                        end
                        if (scan_done) begin
                            drain <= ACC_DRAIN - 1;
                            state <= S_SCAN_DRAIN;
                        end
                    end
                end

                S_SCAN_DRAIN: begin
                    if (drain == 0) state <= S_UPDATE;
                    else drain <= drain - 1'b1;
                end

                S_UPDATE: if (update_last) begin
                    drain <= UPDATE_DRAIN - 1;
                    state <= S_UPDATE_DRAIN;
                end

                S_UPDATE_DRAIN: begin
                    if (drain != 0) begin
                        drain <= drain - 1'b1;
                    end else if (layer != last_layer) begin
                        layer <= layer + 1'b1;
                        state <= S_LAYER;
                    end else if (out_mode[0]) begin
                        state <= S_RASTER;
                    end else begin
                        end_of_step();
                    end
                end

                S_RASTER: if (push && raster_last) end_of_step();

                S_COUNTS: if (push && counts_last) begin
                    if (out_mode[2]) state <= S_STATES;
                    else end_of_sample();
                end

                S_STATES: if (push && states_last_neuron && states_last_layer) end_of_sample();

                S_DONE: begin
                    done <= 1'b1;
                    isr <= 1'b1;
                    drain_after <= 1'b0;
                    state <= S_IDLE;
                end

                default: ;
            endcase

            // register writes come last: they win over the machine in the same cycle
            if (reg_write) begin
                case (reg_write_addr)
                    R_CTRL: begin
                        if (reg_write_data[2]) begin
                            state <= S_IDLE;
                            errors <= 7'd0; done <= 1'b0; isr <= 1'b0;
                            drain_after <= 1'b0;
                        end else if (reg_write_data[0] && reg_write_data[1]) begin
                            errors[E_PARAM] <= 1'b1;
                        end else if (reg_write_data[0] || reg_write_data[1]) begin
                            if (busy) begin
                                errors[E_BUSY_START] <= 1'b1;
                            end else begin
                                errors <= 7'd0; done <= 1'b0;
                                cycles <= 64'd0; stalls <= 64'd0; samples_done <= 16'd0;
                                state <= S_START;
                            end
                        end
                    end
                    R_ERROR: errors <= errors & ~reg_write_data[6:0];
                    R_ISR:   if (reg_write_data[0]) isr <= 1'b0;
                    default: ;
                endcase
            end
        end
    end

    // the last layer of step t is done (and its raster sent): next step or sample end
    task end_of_step;
        begin
            layer <= 0;
            if (last_step) begin
                if (out_mode[1])      state <= S_COUNTS;
                else if (out_mode[2]) state <= S_STATES;
                else                  end_of_sample();
            end else begin
                step <= step + 1'b1;
                state <= S_LAYER;
            end
        end
    endtask

    task end_of_sample;
        begin
            samples_done <= samples_done + 1'b1;
            step <= 16'd0;
            if (last_sample) begin
                state <= drain_after ? S_DRAIN_IN : S_DONE;
            end else begin
                sample <= sample + 1'b1;
                state <= S_LAYER;
            end
        end
    endtask

    // the command a CTRL write started (RUN or LOAD)
    always @(posedge aclk)
        if (write_ctrl && !busy && (reg_write_data[1:0] == 2'b01 || reg_write_data[1:0] == 2'b10))
            load_requested <= reg_write_data[1];

    // the loaded network's facts, taken when its descriptors pass
    always @(posedge aclk) begin
        if (commit) begin
            net_layers            <= load_layers;
            last_layer            <= load_layer[LAYER_W-1:0];
            net_inputs            <= load_first_n_in;
            net_outputs           <= load_record[D_N_OUT +: 16];
            net_weight_words      <= weight_total_next;
            net_state_words       <= state_total_next;
            weight_stream_last    <= weight_total_next * PACK - 1;
            raster_words_m1       <= (load_record[D_N_OUT_M1 +: 16]) >> 5;
            count_words_m1        <= (load_record[D_N_OUT_M1 +: 16]) >> 1;
            raster_last_mask      <= (load_record[D_N_OUT +: 5] == 5'd0) ? 32'hFFFFFFFF :
                                     ~(32'hFFFFFFFF << load_record[D_N_OUT +: 5]);
            count_last_half_empty <= load_record[D_N_OUT];
            last_buffer           <= load_layer[0];
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
    reg  [ENTRY_W-1:0] chunk;
    reg  [11:0]        words_left;
    reg                last_word;           // the word on offer is the layer's last
    reg  [11:0]        word_index, next_word_index, taken_word;
    reg  [31:0]        spike_word;          // word word_index of the previous layer's spikes
    reg                issue_valid, issue_last;
    reg  [INPUT_W-1:0] issue_input;
    reg  [ENTRY_W-1:0] issue_chunk;

    wire        pending_none = (pending == 32'd0);
    wire        words_done   = (words_left == 12'd0);
    wire [31:0] offered      = current_input_layer ? in_tdata : spike_word;
    wire        offered_valid = current_input_layer ? in_tvalid : 1'b1;
    wire [31:0] offered_bits = offered & (last_word ? current[D_IN_MASK +: 32] : 32'hFFFFFFFF);
    assign scan_wants_input = state == S_SCAN && current_input_layer && pending_none && !words_done;
    assign scan_take = state == S_SCAN && pending_none && !words_done && offered_valid;
    assign scan_done = state == S_SCAN && pending_none && words_done;
    assign last_input_word = last_sample && last_step && last_word;

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
        spike_word  <= scan_take ? next_spike_word : this_spike_word;
        issue_valid <= 1'b0;
        if (state == S_LAYER) begin
            word_index <= 12'd0;
            next_word_index <= 12'd1;
        end else if (state == S_LAYER_PARAMS) begin
            pending <= 32'd0;
            chunk <= 0;
            words_left <= current[D_IN_WORDS +: 12];
            last_word <= (current[D_IN_WORDS +: 12] == 12'd1);
        end else if (state == S_SCAN) begin
            if (pending_none) begin
                if (scan_take) begin
                    pending <= offered_bits;
                    chunk <= 0;
                    taken_word <= word_index;
                    word_index <= next_word_index;
                    next_word_index <= next_word_index + 1'b1;
                    words_left <= words_left - 1'b1;
                    last_word <= (words_left == 12'd2);
                end
            end else begin
                issue_valid <= 1'b1;
                issue_input <= {taken_word, lowest(pending)};
                issue_chunk <= chunk;
                issue_last  <= (chunk == current_chunks_m1);
                if (chunk == current_chunks_m1) begin
                    pending <= pending & (pending - 1'b1);
                    chunk <= 0;
                end else begin
                    chunk <= chunk + 1'b1;
                end
            end
        end
        if (soft_reset || !aresetn) pending <= 32'd0;
    end

    // ================================================================== synapses and accumulators
    wire               add_en;
    wire [ENTRY_W-1:0] add_entry;
    wire [BANKS-1:0]   add_slots;
    wire [BANKS*LANES*4-1:0] add_weights;
    wire [LANES*ACC_W-1:0]   lane_currents;
    wire               flush = soft_reset || !aresetn;

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
        .clk(aclk), .clear(state == S_START),
        .add_en(add_en), .add_entry(add_entry), .add_slots(add_slots), .add_weights(add_weights),
        .rd_en(state == S_UPDATE), .rd_word(update_word[WORD_W-1:0]), .rd_acc(lane_currents)
    );

    // ================================================================== the update
    always @(posedge aclk) begin
        if (state == S_LAYER) begin
            current              <= descriptors[{live, layer}];
            current_first        <= (step == 16'd0);
            current_output       <= (layer == last_layer);
            current_input_layer  <= (layer == 0);
            current_read_buffer  <= !layer[0];      // written by layer l - 1
            current_write_buffer <= layer[0];
        end
        if (state == S_LAYER_PARAMS) begin
            current_rows_m1   <= current_rows - 1'b1;
            update_word       <= 0;
            update_state_word <= current[D_SBASE +: WORD_W + 1];
        end else if (state == S_UPDATE) begin
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

    genvar k;
    generate
        for (k = 0; k < LANES; k = k + 1) begin : lane
            snn_lane #(.WORDS(STATE_WORDS), .ADDR_W(WORD_W), .ACC_W(ACC_W)) u (
                .clk(aclk), .flush(flush),
                .param_load(state == S_LAYER_PARAMS), .param_izh(current[D_IZH]),
                .param_first(current_first), .param_count(current_output),
                .param_frac(current[D_FRAC +: 4]), .param_q(current[D_Q +: 5]), .param_beta(current[D_BETA +: 9]),
                .param_threshold(current[D_THRESHOLD +: 16]), .param_v_init(current[D_V_INIT +: 16]),
                .param_u_init(current[D_U_INIT +: 16]),
                .param_a0(current[D_A0 +: 16]), .param_a1(current[D_A1 +: 16]), .param_a2(current[D_A2 +: 16]),
                .param_a3(current[D_A3 +: 16]), .param_b1(current[D_B1 +: 16]), .param_b2(current[D_B2 +: 16]),
                .param_b3(current[D_B3 +: 16]), .param_c(current[D_C +: 16]), .param_d(current[D_D +: 16]),
                .upd_valid(state == S_UPDATE), .upd_addr(update_state_word[WORD_W-1:0]),
                .upd_word(update_word[WORD_W-1:0]), .acc(lane_currents[ACC_W*k +: ACC_W]),
                .out_valid(lane_out_valid[k]), .out_word(lane_out_word[WORD_W*k +: WORD_W]), .spike(lane_spikes[k]),
                .rd_state_addr(readout_state_word), .rd_v(lane_v_of[k]), .rd_u(lane_u_of[k]),
                .rd_cnt_addr(readout_count_word), .rd_cnt(lane_count_of[k])
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
    reg  [15:0]          raster_word, count_index, state_neuron;
    reg  [LANE_BITS-1:0] count_lane, state_lane;
    reg  [LAYER_W-1:0]   state_layer, state_next_layer;
    reg  [15:0]          state_n_out_m1;
    reg                  state_izh;
    wire [DESC_W-1:0]    next_state_record = descriptors[{live, state_next_layer}];

    assign raster_last        = (raster_word == raster_words_m1);
    assign counts_last        = (count_index == count_words_m1);
    assign states_last_neuron = (state_neuron == state_n_out_m1);
    assign states_last_layer  = (state_layer == last_layer);

    wire [SPIKE_W-1:0] raster_index = raster_word[SPIKE_W-1:0];
    wire [31:0] raster_data = (last_buffer ? spike_words_1[raster_index] : spike_words_0[raster_index]) &
                              (raster_last ? raster_last_mask : 32'hFFFFFFFF);
    wire [LANE_BITS-1:0] count_lane_high = count_lane | 1'b1;  // count_lane is even
    wire [15:0] count_low   = lane_count_of[count_lane];
    wire [15:0] count_high  = (counts_last && count_last_half_empty) ? 16'd0 : lane_count_of[count_lane_high];
    wire [15:0] state_v     = lane_v_of[state_lane];
    wire [15:0] state_u     = state_izh ? lane_u_of[state_lane] : 16'd0;

    reg  [31:0] out_data;
    reg         out_last;
    always @(*) begin
        case (state)
            S_RASTER: begin
                out_data = raster_data;
                out_last = last_sample && last_step && raster_last && !out_mode[1] && !out_mode[2];
            end
            S_COUNTS: begin
                out_data = {count_high, count_low};
                out_last = last_sample && counts_last && !out_mode[2];
            end
            default: begin
                out_data = {state_u, state_v};
                out_last = last_sample && states_last_layer && states_last_neuron;
            end
        endcase
    end

    snn_axis_register #(.DATA_W(32)) output_slice (
        .clk(aclk), .flush(!aresetn || soft_reset),
        .s_tdata(out_data), .s_tvalid(push), .s_tready(can_push), .s_tlast(out_last),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready), .m_tlast(m_axis_tlast)
    );

    always @(posedge aclk) begin
        if (state != S_RASTER) raster_word <= 16'd0;
        else if (push)         raster_word <= raster_word + 1'b1;

        if (state != S_COUNTS) begin
            count_index <= 16'd0;
            count_lane <= 0;
            readout_count_word <= 0;
        end else if (push) begin
            count_index <= count_index + 1'b1;
            count_lane <= count_lane + 2'd2;
            if (count_lane == LANES - 2) readout_count_word <= readout_count_word + 1'b1;
        end

        if (state != S_STATES) begin
            state_neuron <= 16'd0;
            state_lane <= 0;
            state_layer <= 0;
            state_next_layer <= 1;
            readout_state_word <= 0;
            state_n_out_m1 <= first_n_out_m1;
            state_izh <= first_izh;
        end else if (push) begin
            if (states_last_neuron) begin
                state_neuron <= 16'd0;
                state_lane <= 0;
                readout_state_word <= readout_state_word + 1'b1;
                state_layer <= state_next_layer;
                state_next_layer <= state_next_layer + 1'b1;
                state_n_out_m1 <= next_state_record[D_N_OUT_M1 +: 16];
                state_izh <= next_state_record[D_IZH];
            end else begin
                state_neuron <= state_neuron + 1'b1;
                state_lane <= state_lane + 1'b1;
                if (state_lane == LANES - 1) readout_state_word <= readout_state_word + 1'b1;
            end
        end
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
