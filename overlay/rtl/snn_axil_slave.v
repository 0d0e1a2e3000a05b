// snn_axil_slave: the AXI4-Lite handshakes of the core's register file, nothing more.
//
// A write is taken when address and data are both valid and no response is pending;
// it appears for one cycle on wr_en/wr_addr/wr_data (only with all four strobes set,
// as REGISTERS.md says) and is answered OKAY. A read samples rd_data, which the core
// computes combinationally from rd_addr, in the cycle the address is taken.
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
    output wire              wr_en,
    output wire [ADDR_W-1:0] wr_addr,
    output wire [31:0]       wr_data,
    output wire [ADDR_W-1:0] rd_addr,
    output wire              rd_en,
    input  wire [31:0]       rd_data
);
    wire take_write = s_axi_awvalid && s_axi_wvalid && !s_axi_bvalid;
    assign s_axi_awready = take_write;
    assign s_axi_wready  = take_write;
    assign s_axi_bresp   = 2'b00;
    assign wr_en   = take_write && (s_axi_wstrb == 4'hF);
    assign wr_addr = {s_axi_awaddr[ADDR_W-1:2], 2'b00};
    assign wr_data = s_axi_wdata;

    assign s_axi_arready = !s_axi_rvalid;
    assign s_axi_rresp   = 2'b00;
    assign rd_en   = s_axi_arvalid && !s_axi_rvalid;
    assign rd_addr = {s_axi_araddr[ADDR_W-1:2], 2'b00};

    always @(posedge clk) begin
        if (!resetn) begin
            s_axi_bvalid <= 1'b0;
            s_axi_rvalid <= 1'b0;
            s_axi_rdata  <= 32'd0;
        end else begin
            if (take_write)
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
