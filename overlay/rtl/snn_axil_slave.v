// snn_axil_slave: the AXI4-Lite handshakes of the core's register file, nothing more.
//
// Every request takes effect one cycle after its handshake, from registers, so that no
// bus input reaches the core's logic. A write is taken when address and data are both
// valid and no write is pending or answered; in the next cycle it appears on
// wr_en/wr_addr/wr_data (only with all four strobes set, as REGISTERS.md says) and its
// OKAY response is raised, so the master sees the response once the write is done. A
// read's address goes out on rd_addr in the cycle after it is taken (rd_en marks that
// cycle), and rd_data, which the core computes combinationally from rd_addr, is sampled
// into the response then.
`default_nettype none

module snn_axil_slave #(
    parameter integer ADDR_W = 8
) (
    input  wire              clk,
    input  wire              resetn,
    input  wire [ADDR_W-1:0] s_axi_awaddr,
    input  wire              s_axi_awvalid,
    output wire              s_axi_awready,
    input  wire [31:0]       s_axi_wdata,
    input  wire [3:0]        s_axi_wstrb,
    input  wire              s_axi_wvalid,
    output wire              s_axi_wready,
    output wire [1:0]        s_axi_bresp,
    output reg               s_axi_bvalid,
    input  wire              s_axi_bready,
    input  wire [ADDR_W-1:0] s_axi_araddr,
    input  wire              s_axi_arvalid,
    output wire              s_axi_arready,
    output reg  [31:0]       s_axi_rdata,
    output wire [1:0]        s_axi_rresp,
    output reg               s_axi_rvalid,
    input  wire              s_axi_rready,
    output reg               wr_en,
    output reg  [ADDR_W-1:0] wr_addr,
    output reg  [31:0]       wr_data,
    output reg  [ADDR_W-1:0] rd_addr,
    output reg               rd_en,
    input  wire [31:0]       rd_data
);
    reg write_pending;   // a write taken in the cycle before
    wire take_write = s_axi_awvalid && s_axi_wvalid && !s_axi_bvalid && !write_pending;
    assign s_axi_awready = take_write;
    assign s_axi_wready  = take_write;
    assign s_axi_bresp   = 2'b00;

    assign s_axi_arready = !s_axi_rvalid && !rd_en;
    wire take_read = s_axi_arvalid && s_axi_arready;
    assign s_axi_rresp   = 2'b00;

    always @(posedge clk) begin
        write_pending <= resetn && take_write;
        wr_en   <= resetn && take_write && (s_axi_wstrb == 4'hF);
        wr_addr <= {s_axi_awaddr[ADDR_W-1:2], 2'b00};
        wr_data <= s_axi_wdata;
        rd_en   <= resetn && take_read;
        rd_addr <= {s_axi_araddr[ADDR_W-1:2], 2'b00};
        if (!resetn) begin
            s_axi_bvalid <= 1'b0;
            s_axi_rvalid <= 1'b0;
            s_axi_rdata  <= 32'd0;
        end else begin
            if (write_pending)
                s_axi_bvalid <= 1'b1;
            else if (s_axi_bready)
                s_axi_bvalid <= 1'b0;
            if (rd_en) begin
                s_axi_rvalid <= 1'b1;
                s_axi_rdata  <= rd_data;
            end else if (s_axi_rready)
                s_axi_rvalid <= 1'b0;
        end
    end
endmodule

`default_nettype wire
