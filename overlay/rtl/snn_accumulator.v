// snn_accumulator: the synaptic currents I of the layer being computed, BANKS * LANES
// of them added to per cycle.
//
// Word w of the layer (neurons w*LANES .. w*LANES + LANES-1) lives in slot w mod BANKS,
// entry w / BANKS, of ceil(WORDS / BANKS) entries. A row chunk from snn_synapse_fetch (BANKS words of LANES 4-bit
// weights, word o of the chunk in slot o) adds to entry add_entry of every slot whose
// add_slots bit is set: BANKS * LANES additions in one cycle, each a read-modify-write
// of its own register. The update reads one word per cycle (rd_en, rd_word), registered
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

    // acc[slot][lane][entry]: one register each, flattened into acc_bits
    wire [BANKS*LANES*DEPTH*ACC_W-1:0] acc_bits;

    genvar s, k, e;
    generate
        for (s = 0; s < BANKS; s = s + 1) begin : slot
            for (k = 0; k < LANES; k = k + 1) begin : lane
                wire signed [3:0] weight = add_weights[(s * LANES + k) * 4 +: 4];
                for (e = 0; e < DEPTH; e = e + 1) begin : entry
                    reg signed [ACC_W-1:0] value;
                    always @(posedge clk) begin
                        if (clear || (rd_en && rd_slot == s && rd_entry == e))
                            value <= {ACC_W{1'b0}};
                        else if (add_en && add_slots[s] && add_entry == e)
                            value <= value + weight;
                    end
                    assign acc_bits[((s * LANES + k) * DEPTH + e) * ACC_W +: ACC_W] = value;
                end
            end
        end
    endgenerate

    integer i;
    always @(posedge clk) begin
        for (i = 0; i < LANES; i = i + 1)
            rd_acc[i * ACC_W +: ACC_W] <= acc_bits[((rd_slot * LANES + i) * DEPTH + rd_entry) * ACC_W +: ACC_W];
    end
endmodule

`default_nettype wire
