// snn_accumulator: the synaptic currents I of the layer being computed, BANKS * LANES
// of them added to per cycle.
//
// Word w of the layer (neurons w*LANES .. w*LANES + LANES-1) lives in slot w mod BANKS,
// entry w / BANKS, of ceil(WORDS / BANKS) entries. A row chunk from snn_synapse_fetch (BANKS words of LANES 4-bit
// weights, word o of the chunk in slot o) adds to entry add_entry of every slot whose
// add_slots bit is set: BANKS * LANES additions in one cycle, each a read-modify-write
// through the one adder of its slot and lane. The update reads one word per cycle (rd_en, rd_word), registered
// on rd_acc the next cycle, and clears it in the same edge, so every word is 0 again
// for the layer's next step. clear zeroes everything (a run's start: a cut run may have
// left partial sums). Adding and reading are never asked for in the same cycle.
//
// Parameters:
//   LANES   words' width in neurons, a power of two
//   BANKS   slots, a power of two
//   WORDS   state words of one layer at most (NEURONS / LANES)
//   ACC_W   width of I, signed
`default_nettype none

module snn_accumulator #(
    parameter integer LANES  = 16,
    parameter integer BANKS  = 16,
    parameter integer WORDS  = 64,
    parameter integer ACC_W  = 16,
    parameter integer WORD_W = (WORDS > 1) ? $clog2(WORDS) : 1,
    parameter integer ENTRY_W = ((WORDS + BANKS - 1) / BANKS > 1) ? $clog2((WORDS + BANKS - 1) / BANKS) : 1
) (
    input  wire                         clk,
    input  wire                         clear,
    input  wire                         add_en,
    input  wire [ENTRY_W-1:0]           add_entry,
    input  wire [BANKS-1:0]             add_slots,
    input  wire [BANKS*LANES*4-1:0]     add_weights,
    input  wire                         rd_en,
    input  wire [WORD_W-1:0]            rd_word,
    output reg  [LANES*ACC_W-1:0]       rd_acc
);
    localparam integer DEPTH  = (WORDS + BANKS - 1) / BANKS;
    localparam integer SLOT_W = (BANKS > 1) ? $clog2(BANKS) : 1;

    generate
        if (BANKS < 1 || (BANKS & (BANKS - 1)) != 0) begin : bad_banks
            $error("snn_accumulator: BANKS must be a power of two");
        end
    endgenerate

    wire [SLOT_W-1:0]  rd_slot  = (BANKS > 1) ? rd_word[SLOT_W-1:0] : {SLOT_W{1'b0}};
    wire [ENTRY_W-1:0] rd_entry = (DEPTH > 1) ? rd_word >> ((BANKS > 1) ? SLOT_W : 0) : {ENTRY_W{1'b0}};

    // word w = entry * BANKS + slot, as the update reads it; lane k of it at bits k*ACC_W
    wire [BANKS*DEPTH*LANES*ACC_W-1:0] word_bits;
    wire [LANES*ACC_W-1:0]             words [0:BANKS*DEPTH-1];

    // acc[slot][lane][entry]. Each slot and lane has one adder: the entry being added to
    // is selected, summed with the weight and written back.

    genvar s, k, e, w;
    generate
        for (s = 0; s < BANKS; s = s + 1) begin : slot
            for (k = 0; k < LANES; k = k + 1) begin : lane
                reg  [DEPTH*ACC_W-1:0]  values;
                wire [ACC_W-1:0]        by_entry [0:DEPTH-1];
                wire signed [3:0]       weight   = add_weights[(s * LANES + k) * 4 +: 4];
                wire signed [ACC_W-1:0] selected = by_entry[add_entry];
                wire signed [ACC_W-1:0] sum      = selected + weight;
                for (e = 0; e < DEPTH; e = e + 1) begin : entry
                    assign by_entry[e] = values[e * ACC_W +: ACC_W];
                    assign word_bits[((e * BANKS + s) * LANES + k) * ACC_W +: ACC_W] = values[e * ACC_W +: ACC_W];
                end
                integer i;
                always @(posedge clk) begin
                    for (i = 0; i < DEPTH; i = i + 1)
                        if (clear || (rd_en && rd_slot == s && rd_entry == i))
                            values[i * ACC_W +: ACC_W] <= {ACC_W{1'b0}};
                        else if (add_en && add_slots[s] && add_entry == i)
                            values[i * ACC_W +: ACC_W] <= sum;
                end
            end
        end
    endgenerate

    for (w = 0; w < BANKS * DEPTH; w = w + 1) begin : word
        assign words[w] = word_bits[w * LANES * ACC_W +: LANES * ACC_W];
    end

    always @(posedge clk)
        rd_acc <= words[rd_word];
endmodule

`default_nettype wire
