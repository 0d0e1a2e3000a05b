// snn_axis_register: an AXI4-Stream register slice (a skid buffer) with registered
// outputs on both sides, full throughput, and a flush.
//
// s_tready, m_tdata, m_tvalid and m_tlast all come from registers, so neither side's
// combinational logic reaches the other. A word taken while the output register is
// full waits in the skid register. flush drops both (the core's soft reset: the
// stream's source is reset too).
//
// Parameters:
//   DATA_W  width of tdata
`default_nettype none

module snn_axis_register #(
    parameter integer DATA_W = 32
) (
    input  wire              clk,
    input  wire              flush,
    input  wire [DATA_W-1:0] s_tdata,
    input  wire              s_tvalid,
    output reg               s_tready,
    input  wire              s_tlast,
    output reg  [DATA_W-1:0] m_tdata,
    output reg               m_tvalid,
    input  wire              m_tready,
    output reg               m_tlast
);
    reg [DATA_W-1:0] skid_tdata;
    reg              skid_tvalid, skid_tlast;

    wire take = s_tready && s_tvalid;
    wire out_free = m_tready || !m_tvalid;

    always @(posedge clk) begin
        // the skid register takes every word while it is empty, so that its enable waits on
        // no handshake; it keeps one once a word is taken that the output register cannot
        if (!skid_tvalid) begin
            skid_tdata <= s_tdata; skid_tlast <= s_tlast;
        end
        if (flush) begin
            s_tready <= 1'b0;
            m_tvalid <= 1'b0;
            skid_tvalid <= 1'b0;
        end else begin
            // ready next cycle unless the skid register will hold a word (it never holds
            // one while ready, so a word is never taken into a full skid register)
            s_tready <= out_free ? 1'b1 : !(skid_tvalid || take);
            if (out_free) begin
                if (skid_tvalid) begin
                    m_tdata <= skid_tdata; m_tlast <= skid_tlast; m_tvalid <= 1'b1;
                    skid_tvalid <= 1'b0;
                end else begin
                    m_tdata <= s_tdata; m_tlast <= s_tlast; m_tvalid <= take;
                end
            end else if (take) begin
                skid_tvalid <= 1'b1;
            end
        end
    end
endmodule

`default_nettype wire
