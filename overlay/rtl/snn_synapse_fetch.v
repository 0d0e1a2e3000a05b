// snn_synapse_fetch: the weight memory, banked so that BANKS consecutive weight words
// (BANKS * LANES weights) are read every cycle, and the pipeline that turns an input
// spike into those reads.
//
// Weight word a (LANES 4-bit weights) lives in bank a mod BANKS, entry a / BANKS. The
// row of input j of a layer (R words, from layer_wbase + j*R) is read in
// ceil(R / BANKS) chunks; chunk c covers the row's words c*BANKS .. c*BANKS + BANKS-1,
// which lie in all BANKS banks whatever the row's alignment, one entry each. The words
// come out rotated back into row order (word o of the chunk in slot o) for
// snn_accumulator, with the slots past the row's end masked off.
//
// The scanner issues one chunk per cycle (issue_*, from its registers; cycle 0):
//   edge 1..3   j * R on a DSP48E2 (snn_dsp); layer_wbase + c * BANKS beside it
//   edge 4      the chunk's first word address a0
//   edge 5      each bank's entry, a0 / BANKS or one more for the banks before a0 mod BANKS
//   edge 6      block RAM read
//   edge 7      block RAM output register
//   edge 8, 9   the rotation by a0 mod BANKS, two levels of 4:1 multiplexers
//   edge 10     the accumulator adds (snn_accumulator, from the add_* outputs of cycle 9)
// so a chunk issued in cycle 0 is in the accumulators from cycle LATENCY (10). The
// layer_* inputs are per-layer constants: they must not change while a chunk is in
// flight. flush drops whatever is in flight.
//
// The load writes one weight word per wr_en, at wr_addr. Reads and writes never meet:
// a load and a run are different commands.
//
// Parameters:
//   LANES         weights per weight word, a power of two, at least 8
//   BANKS         weight words read per cycle, a power of two
//   WEIGHT_WORDS  weight words in all; each bank holds ceil(WEIGHT_WORDS / BANKS)
//   WORDS         state words of the widest layer (NEURONS / LANES)
//   FAN_IN        inputs of one layer, at most 65535
`default_nettype none

module snn_synapse_fetch #(
    parameter integer LANES        = 16,
    parameter integer BANKS        = 16,
    parameter integer WEIGHT_WORDS = 32768,
    parameter integer WORDS        = 64,
    parameter integer FAN_IN       = 1024,
    parameter integer ADDR_W       = (WEIGHT_WORDS > 1) ? $clog2(WEIGHT_WORDS) : 1,
    parameter integer WORD_W       = (WORDS > 1) ? $clog2(WORDS) : 1,
    parameter integer ENTRY_W      = ((WORDS + BANKS - 1) / BANKS > 1) ? $clog2((WORDS + BANKS - 1) / BANKS) : 1,
    parameter integer INPUT_W      = (FAN_IN > 1) ? $clog2(FAN_IN) : 1
) (
    input  wire                     clk,
    input  wire                     flush,
    // load
    input  wire                     wr_en,
    input  wire [ADDR_W-1:0]        wr_addr,
    input  wire [LANES*4-1:0]       wr_data,
    // the layer
    input  wire [ADDR_W:0]          layer_wbase,
    input  wire [WORD_W:0]          layer_rows,
    input  wire [BANKS-1:0]         layer_last_slots,
    // issue
    input  wire                     issue_valid,
    input  wire [INPUT_W-1:0]       issue_input,
    input  wire [ENTRY_W-1:0]       issue_chunk,
    input  wire                     issue_last,
    // to snn_accumulator
    output wire                     add_en,
    output wire [ENTRY_W-1:0]       add_entry,
    output wire [BANKS-1:0]         add_slots,
    output reg  [BANKS*LANES*4-1:0] add_weights
);
    localparam integer LATENCY    = 10;
    localparam integer BANK_BITS  = (BANKS > 1) ? $clog2(BANKS) : 0;
    localparam integer BANK_WORDS = (WEIGHT_WORDS + BANKS - 1) / BANKS;
    localparam integer BANK_W     = (BANK_WORDS > 1) ? $clog2(BANK_WORDS) : 1;
    localparam integer WIDTH      = LANES * 4;
    localparam integer ROT_W      = (BANK_BITS > 0) ? BANK_BITS : 1;
    localparam integer LOW_BITS   = (BANK_BITS + 1) / 2;     // the rotation's first level; the rest is its second
    localparam integer HIGH_BITS  = BANK_BITS - LOW_BITS;
    localparam integer LOW_WAYS   = 1 << LOW_BITS;
    localparam integer HIGH_WAYS  = 1 << HIGH_BITS;
    localparam integer LOW_W      = (LOW_BITS > 0) ? LOW_BITS : 1;
    localparam integer HIGH_W     = (HIGH_BITS > 0) ? HIGH_BITS : 1;

    generate
        if (BANKS < 1 || (BANKS & (BANKS - 1)) != 0) begin : bad_banks
            $error("snn_synapse_fetch: BANKS must be a power of two");
        end
        if (FAN_IN < 1 || FAN_IN > 65535 || WORD_W + 1 > 27) begin : bad_fan_in
            $error("snn_synapse_fetch: FAN_IN must be 1..65535");
        end
    endgenerate

    // ---------------------------------------------------------------- edges 1..4: the address
    wire signed [47:0] row_offset_3;  // j * R
    snn_dsp #(.A_W(WORD_W + 2), .B_W(INPUT_W + 1), .Z_SEL("ZERO")) row_mult (
        .clk(clk), .a($signed({1'b0, layer_rows})), .b($signed({1'b0, issue_input})),
        .pcin(48'sd0), .p(row_offset_3), .pcout()
    );

    reg               valid_1, valid_2, valid_3, valid_4, valid_5, valid_6, valid_7, valid_8, valid_9;
    reg [ENTRY_W-1:0] chunk_1, chunk_2, chunk_3, chunk_4, chunk_5, chunk_6, chunk_7, chunk_8, chunk_9;
    reg               last_1, last_2, last_3;
    reg [BANKS-1:0]   slots_4, slots_5, slots_6, slots_7, slots_8, slots_9;
    reg [ADDR_W:0]    chunk_base_2, chunk_base_3;
    reg [ADDR_W:0]    first_word_4;

    always @(posedge clk) begin
        valid_1 <= issue_valid && !flush;
        valid_2 <= valid_1 && !flush;
        valid_3 <= valid_2 && !flush;
        valid_4 <= valid_3 && !flush;
        valid_5 <= valid_4 && !flush;
        valid_6 <= valid_5 && !flush;
        valid_7 <= valid_6 && !flush;
        valid_8 <= valid_7 && !flush;
        valid_9 <= valid_8 && !flush;
        chunk_1 <= issue_chunk; chunk_2 <= chunk_1; chunk_3 <= chunk_2; chunk_4 <= chunk_3;
        chunk_5 <= chunk_4; chunk_6 <= chunk_5; chunk_7 <= chunk_6; chunk_8 <= chunk_7;
        last_1 <= issue_last; last_2 <= last_1; last_3 <= last_2;
        chunk_base_2 <= layer_wbase + ({{(ADDR_W + 1 - ENTRY_W){1'b0}}, chunk_1} << BANK_BITS);
        chunk_base_3 <= chunk_base_2;
        first_word_4 <= row_offset_3[ADDR_W:0] + chunk_base_3;
        slots_4 <= last_3 ? layer_last_slots : {BANKS{1'b1}};
        slots_5 <= slots_4; slots_6 <= slots_5; slots_7 <= slots_6; slots_8 <= slots_7;
        // the accumulators' controls come from flip-flops, not from the end of a shift
        // register (slow clock-to-out): the enable keeps them out of one, and they matter
        // only with valid_9, which follows valid_8
        if (valid_8) begin
            chunk_9 <= chunk_8;
            slots_9 <= slots_8;
        end
    end

    // ---------------------------------------------------------------- edges 5..7: the banks
    wire [BANK_W-1:0] first_entry_4 = first_word_4[ADDR_W-1:0] >> BANK_BITS;
    wire [ROT_W-1:0]  rotation_4 = (BANK_BITS > 0) ? first_word_4[ROT_W-1:0] : {ROT_W{1'b0}};
    reg  [ROT_W-1:0]  rotation_5, rotation_6, rotation_7, rotation_8;
    wire [WIDTH-1:0] bank_words_7 [0:BANKS-1];

    always @(posedge clk) begin
        rotation_5 <= rotation_4; rotation_6 <= rotation_5; rotation_7 <= rotation_6; rotation_8 <= rotation_7;
    end

    genvar s;
    generate
        for (s = 0; s < BANKS; s = s + 1) begin : bank
            reg [WIDTH-1:0]  mem [0:BANK_WORDS-1];
            reg [BANK_W-1:0] entry_5;
            reg [WIDTH-1:0]  read_6, read_7;  // the block RAM's read and output registers

            always @(posedge clk) begin
                if (wr_en && (BANK_BITS == 0 || wr_addr[ROT_W-1:0] == s))
                    mem[wr_addr >> BANK_BITS] <= wr_data;
                entry_5 <= first_entry_4 + ((BANK_BITS > 0 && s < rotation_4) ? 1'b1 : 1'b0);
                read_6  <= mem[entry_5];
                read_7  <= read_6;
            end
            assign bank_words_7[s] = read_7;
        end
    endgenerate

    // ---------------------------------------------------------------- edges 8, 9: back into row order
    // slot o gets bank (a0 + o) mod BANKS. With r = a0 mod BANKS = high + low, high its
    // bits from LOW_BITS up: slot o first takes bank (o + low) mod BANKS, one of LOW_WAYS
    // candidates chosen by low, then slot (o + high) mod BANKS of that, one of HIGH_WAYS
    // chosen by high. Each level is a multiplexer of constant inputs on a register's
    // select, with no adder before it.
    reg  [WIDTH-1:0] rotated_8 [0:BANKS-1];
    wire [LOW_W-1:0]  low_7  = (LOW_BITS > 0) ? rotation_7[LOW_W-1:0] : {LOW_W{1'b0}};
    wire [HIGH_W-1:0] high_8 = (HIGH_BITS > 0) ? rotation_8 >> LOW_BITS : {HIGH_W{1'b0}};
    genvar o, k;
    generate
        for (o = 0; o < BANKS; o = o + 1) begin : slot
            wire [WIDTH-1:0] low_ways  [0:LOW_WAYS-1];
            wire [WIDTH-1:0] high_ways [0:HIGH_WAYS-1];
            for (k = 0; k < LOW_WAYS; k = k + 1) begin : low_way
                assign low_ways[k] = bank_words_7[(o + k) % BANKS];
            end
            for (k = 0; k < HIGH_WAYS; k = k + 1) begin : high_way
                assign high_ways[k] = rotated_8[(o + (k << LOW_BITS)) % BANKS];
            end
            always @(posedge clk) begin
                rotated_8[o]                  <= low_ways[low_7];
                add_weights[o*WIDTH +: WIDTH] <= high_ways[high_8];
            end
        end
    endgenerate

    assign add_en    = valid_9;
    assign add_entry = chunk_9;
    assign add_slots = slots_9;

    wire unused = &{1'b0, row_offset_3[47:ADDR_W+1], 1'b0};
endmodule

`default_nettype wire
