# build.tcl: the hardware build of the SNN overlay for the Ultra96-V2 (PYNQ 3.0.1).
#
#   vivado -mode batch -source bitstreams/build.tcl
#   vivado -mode batch -source bitstreams/build.tcl -tclargs <out_dir> <jobs> <project_dir>
#
# Every argument is optional and positional:
#   out_dir      where snn.bit, snn.hwh and the reports go (default: this script's folder, bitstreams/)
#   jobs         parallel synthesis/implementation jobs (default 4)
#   project_dir  the Vivado project, several hundred MB (default: build/vivado at the repository root,
#                which git ignores)
#
# The flow: a project for the ZU3EG, every overlay/rtl/*.v, the block design `snn`
# (PS, the IP `snn_core` as an RTL module reference, one AXI DMA on HP0, one 200 MHz
# clock), validation, wrapper, synthesis, implementation, bitstream; then snn.bit +
# snn.hwh (PYNQ loads a .bit with the .hwh of the same basename), snn_utilization.rpt
# and snn_timing.rpt. The bitstream and the .hwh are copied only when timing is met.
#
# Board files: with the environment variable SNN_BOARD_REPO naming a folder of board
# files (e.g. a checkout of Avnet's bdf repository), the flow adds it to Vivado's board
# repository paths; without the Ultra96-V2's board files it builds for the bare part.
#
# The IP's ports and registers are specified in overlay/REGISTERS.md.
# tests/test_vivado_flow.py checks this script without Vivado: the files it reads,
# the part, the Vivado version, and the snn_core ports it connects against the Verilog.

# ------------------------------------------------------------------ settings

# PYNQ 3.0.1's images are built with Vivado 2022.1; a bitstream from another release
# may carry IP versions or a .hwh the image's PYNQ does not expect.
set vivado_version "2022.1"
set part           "xczu3eg-sbva484-1-i"
set board_part     "avnet.com:ultra96v2:part0:1.2"
set proj_name      "snn_overlay"
# The block design's name is the basename of the .hwh Vivado writes, hence of snn.bit.
set bd_name        "snn"
set default_jobs   4
# The PL clock of the whole design, MHz: what overlay/cycles.py (CLOCK_MHZ) assumes and
# the static timing estimate checks with a margin (bench/ip_timing.py, at least 250 MHz).
set pl_clock_mhz   200
# The PS's PLLs that may feed pl_clk0, tried in turn until one gives pl_clock_mhz exactly.
set pl_clock_sources {IOPLL RPLL DPLL}

# Paths are resolved from this script's own folder, so the flow runs from any directory.
set script_dir [file normalize [file dirname [info script]]]
set repo_dir   [file dirname $script_dir]

# repo_path names a file or glob of this repository that the flow reads;
# the tests resolve every repo_path call of this script.
proc repo_path {args} {
    return [file join $::repo_dir {*}$args]
}

# ------------------------------------------------------------------ arguments

proc parse_args {argv} {
    if {[llength $argv] > 3} {
        error "usage: vivado -mode batch -source build.tcl -tclargs ?out_dir? ?jobs? ?project_dir?"
    }
    set out_dir  $::script_dir
    set jobs     $::default_jobs
    set proj_dir [file join $::repo_dir build vivado]
    if {[llength $argv] >= 1} { set out_dir  [lindex $argv 0] }
    if {[llength $argv] >= 2} { set jobs     [lindex $argv 1] }
    if {[llength $argv] >= 3} { set proj_dir [lindex $argv 2] }
    if {![string is integer -strict $jobs] || $jobs < 1} {
        error "jobs must be a positive integer, got '$jobs'"
    }
    # Relative paths are taken from the directory Vivado was started in, as a shell would.
    return [list [file normalize $out_dir] $jobs [file normalize $proj_dir]]
}

# ------------------------------------------------------------------ helpers

# The newest version of a Xilinx IP in this Vivado's catalog: pinning the 2022.1
# versions would make every other release fail at the first create_bd_cell.
proc ip_vlnv {name} {
    set vlnvs {}
    foreach def [get_ipdefs -quiet xilinx.com:ip:${name}:*] {
        lappend vlnvs [get_property VLNV $def]
    }
    if {[llength $vlnvs] == 0} {
        error "IP xilinx.com:ip:$name is not in this Vivado's IP catalog"
    }
    return [lindex [lsort -dictionary $vlnvs] end]
}

# Block-design pins, failing with the pin's name rather than a silent empty connection.
proc bd_pin {path} {
    set pin [get_bd_pins -quiet $path]
    if {$pin eq ""} { error "block design has no pin $path" }
    return $pin
}

proc bd_intf {path} {
    set intf [get_bd_intf_pins -quiet $path]
    if {$intf eq ""} { error "block design has no interface $path" }
    return $intf
}

proc bd_segment {pattern} {
    set segs [get_bd_addr_segs -quiet $pattern]
    if {$segs eq ""} { error "block design has no address segment $pattern" }
    return $segs
}

# ------------------------------------------------------------------ project

proc check_vivado_version {} {
    set found [version -short]
    if {![string match "${::vivado_version}*" $found]} {
        puts "WARNING: this is Vivado $found; the flow targets Vivado $::vivado_version (PYNQ 3.0.1)."
        puts "WARNING: IP versions and the .hwh format may differ from what the board's PYNQ expects."
    } else {
        puts "INFO: Vivado $found"
    }
}

proc create_snn_project {proj_dir} {
    create_project -force $::proj_name $proj_dir -part $::part
    set_property target_language Verilog [current_project]
    if {[info exists ::env(SNN_BOARD_REPO)] && $::env(SNN_BOARD_REPO) ne ""} {
        set_param board.repoPaths [list [file normalize $::env(SNN_BOARD_REPO)]]
        puts "INFO: board files from $::env(SNN_BOARD_REPO)"
    }
    # With the board files the PS gets the Ultra96-V2 preset (DDR, MIO, clocks), so the
    # .hwh describes the PS the board boots. Without them the bitstream should still
    # load: PYNQ programs only the PL and takes the PL clock and port widths from the .hwh.
    if {[lsearch -exact [get_board_parts -quiet] $::board_part] >= 0} {
        set_property board_part $::board_part [current_project]
        set ::have_board 1
        puts "INFO: board part $::board_part"
    } else {
        set ::have_board 0
        puts "INFO: board part $::board_part is not installed; building for the bare part $::part"
        puts "INFO: (install the Avnet Ultra96-V2 board files, or name their folder in SNN_BOARD_REPO,"
        puts "INFO: to get the board's PS preset)"
    }
}

proc add_rtl_sources {} {
    set files [lsort [glob -nocomplain [repo_path overlay rtl *.v]]]
    if {[llength $files] == 0} {
        error "no Verilog in [repo_path overlay rtl]"
    }
    # Referenced in place, not copied: the repository stays the one source of the RTL.
    add_files -norecurse -fileset sources_1 $files
    update_compile_order -fileset sources_1
    puts "INFO: RTL: [join $files {, }]"
}

# ------------------------------------------------------------------ block design

proc add_processing_system {} {
    set ps [create_bd_cell -type ip -vlnv [ip_vlnv zynq_ultra_ps_e] zynq_ultra_ps_e_0]
    if {$::have_board} {
        apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e \
            -config {apply_board_preset "1"} $ps
    }
    # After the preset, which may enable other ports: exactly one master for control
    # (HPM0_FPD), one slave for the DMA's DDR traffic (S_AXI_GP2 is HP0_FPD), one PL
    # clock with its reset, and the PL-to-PS interrupt line 0. Unused AXI ports are
    # switched off because each enabled one needs a clock in the block design.
    # The widths are the PS defaults; PYNQ programs the PS side of the port widths
    # from the .hwh when it downloads the bitstream.
    set_property -dict [list \
        CONFIG.PSU__USE__M_AXI_GP0 {1} \
        CONFIG.PSU__MAXIGP0__DATA_WIDTH {128} \
        CONFIG.PSU__USE__M_AXI_GP1 {0} \
        CONFIG.PSU__USE__M_AXI_GP2 {0} \
        CONFIG.PSU__USE__S_AXI_GP2 {1} \
        CONFIG.PSU__SAXIGP2__DATA_WIDTH {128} \
        CONFIG.PSU__FPGA_PL0_ENABLE {1} \
        CONFIG.PSU__USE__FABRIC__RST {1} \
        CONFIG.PSU__NUM_FABRIC_RESETS {1} \
        CONFIG.PSU__USE__IRQ0 {1} \
    ] $ps
    set_pl_clock $ps
}

# The Ultra96-V2 preset sets PSU__OVERRIDE__BASIC_CLOCK, under which a requested PL clock
# may silently not take effect: clear it, request the clock, and check what the PS will
# actually make (ACT_FREQMHZ, from the PLL and its dividers), trying each PLL in turn.
proc set_pl_clock {ps} {
    set_property CONFIG.PSU__OVERRIDE__BASIC_CLOCK {0} $ps
    foreach source $::pl_clock_sources {
        set_property -dict [list \
            CONFIG.PSU__CRL_APB__PL0_REF_CTRL__SRCSEL $source \
            CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $::pl_clock_mhz \
        ] $ps
        set actual [get_property CONFIG.PSU__CRL_APB__PL0_REF_CTRL__ACT_FREQMHZ $ps]
        if {[string is double -strict $actual] && abs($actual - $::pl_clock_mhz) < 0.01 * $::pl_clock_mhz} {
            puts "INFO: pl_clk0 at $actual MHz from $source"
            return
        }
        puts "INFO: pl_clk0 from $source would run at '$actual' MHz, not $::pl_clock_mhz"
    }
    error "no PS PLL gives pl_clk0 $::pl_clock_mhz MHz; the IP's cycle figures assume it"
}

proc add_snn_core {} {
    # A module reference reads the Verilog as it is: the s_axi_*, s_axis_* and m_axis_*
    # prefixes and the X_INTERFACE_* attributes in snn_core.v make Vivado infer the
    # AXI4-Lite slave s_axi, the stream slave s_axis, the stream master m_axis, the
    # clock aclk (associated with all three), the reset aresetn and the interrupt irq.
    create_bd_cell -type module -reference snn_core snn_core_0
    foreach name {s_axi s_axis m_axis} {
        if {[get_bd_intf_pins -quiet snn_core_0/$name] eq ""} {
            error "Vivado inferred no interface $name on snn_core; check the port names in snn_core.v"
        }
    }
}

proc add_dma {} {
    set dma [create_bd_cell -type ip -vlnv [ip_vlnv axi_dma] axi_dma_0]
    # Simple (register) mode, no scatter-gather: PYNQ's DMA driver runs it as is.
    # Streams of 32 bits match snn_core's tdata; memory-mapped sides of 32 bits, widened
    # to HP0 by the data SmartConnect. A 26-bit length register allows transfers up to
    # 64 MiB - 1 (PYNQ reads the width from the .hwh). 40-bit addresses cover HP0's whole
    # address map (the ZynqMP's physical addresses, DDR_HIGH at 0x8_0000_0000 included),
    # so every segment it offers is assigned; PYNQ's DMA driver reads the width too.
    set_property -dict [list \
        CONFIG.c_include_sg {0} \
        CONFIG.c_sg_include_stscntrl_strm {0} \
        CONFIG.c_sg_length_width {26} \
        CONFIG.c_include_mm2s {1} \
        CONFIG.c_include_s2mm {1} \
        CONFIG.c_m_axis_mm2s_tdata_width {32} \
        CONFIG.c_s_axis_s2mm_tdata_width {32} \
        CONFIG.c_m_axi_mm2s_data_width {32} \
        CONFIG.c_m_axi_s2mm_data_width {32} \
        CONFIG.c_mm2s_burst_size {16} \
        CONFIG.c_s2mm_burst_size {16} \
        CONFIG.c_addr_width {40} \
    ] $dma
}

proc add_infrastructure {} {
    # One reset synchronizer for the one clock domain (pl_clk0).
    create_bd_cell -type ip -vlnv [ip_vlnv proc_sys_reset] rst_pl_clk0

    # Control: PS HPM0_FPD to the DMA's registers and snn_core's registers.
    set ctrl [create_bd_cell -type ip -vlnv [ip_vlnv smartconnect] ctrl_interconnect]
    set_property -dict [list CONFIG.NUM_SI {1} CONFIG.NUM_MI {2}] $ctrl

    # Data: the DMA's read and write masters to the PS's HP0 port (DDR).
    set data [create_bd_cell -type ip -vlnv [ip_vlnv smartconnect] data_interconnect]
    set_property -dict [list CONFIG.NUM_SI {2} CONFIG.NUM_MI {1}] $data

}

proc connect_clocks_and_resets {} {
    # One clock domain: everything runs on pl_clk0 (200 MHz).
    connect_bd_net [bd_pin zynq_ultra_ps_e_0/pl_clk0] \
        [bd_pin zynq_ultra_ps_e_0/maxihpm0_fpd_aclk] \
        [bd_pin zynq_ultra_ps_e_0/saxihp0_fpd_aclk] \
        [bd_pin rst_pl_clk0/slowest_sync_clk] \
        [bd_pin ctrl_interconnect/aclk] \
        [bd_pin data_interconnect/aclk] \
        [bd_pin axi_dma_0/s_axi_lite_aclk] \
        [bd_pin axi_dma_0/m_axi_mm2s_aclk] \
        [bd_pin axi_dma_0/m_axi_s2mm_aclk] \
        [bd_pin snn_core_0/aclk]
    connect_bd_net [bd_pin zynq_ultra_ps_e_0/pl_resetn0] [bd_pin rst_pl_clk0/ext_reset_in]
    # Interconnects come out of reset before the peripherals they serve.
    connect_bd_net [bd_pin rst_pl_clk0/interconnect_aresetn] \
        [bd_pin ctrl_interconnect/aresetn] \
        [bd_pin data_interconnect/aresetn]
    connect_bd_net [bd_pin rst_pl_clk0/peripheral_aresetn] \
        [bd_pin axi_dma_0/axi_resetn] \
        [bd_pin snn_core_0/aresetn]
}

proc connect_control {} {
    connect_bd_intf_net [bd_intf zynq_ultra_ps_e_0/M_AXI_HPM0_FPD] [bd_intf ctrl_interconnect/S00_AXI]
    connect_bd_intf_net [bd_intf ctrl_interconnect/M00_AXI] [bd_intf axi_dma_0/S_AXI_LITE]
    connect_bd_intf_net [bd_intf ctrl_interconnect/M01_AXI] [bd_intf snn_core_0/s_axi]
}

proc connect_data {} {
    connect_bd_intf_net [bd_intf axi_dma_0/M_AXI_MM2S] [bd_intf data_interconnect/S00_AXI]
    connect_bd_intf_net [bd_intf axi_dma_0/M_AXI_S2MM] [bd_intf data_interconnect/S01_AXI]
    connect_bd_intf_net [bd_intf data_interconnect/M00_AXI] [bd_intf zynq_ultra_ps_e_0/S_AXI_HP0_FPD]
}

proc connect_streams {} {
    # MM2S carries network images and input spikes in; S2MM carries results out.
    connect_bd_intf_net [bd_intf axi_dma_0/M_AXIS_MM2S] [bd_intf snn_core_0/s_axis]
    connect_bd_intf_net [bd_intf snn_core_0/m_axis] [bd_intf axi_dma_0/S_AXIS_S2MM]
}

proc connect_interrupts {} {
    # Without an AXI interrupt controller only line 0 of pl_ps_irq0 reaches PYNQ on this
    # board: the IP's irq alone drives it. The DMA's interrupts stay unconnected; PYNQ's
    # DMA driver polls the DMA's status register, and the IP's driver may poll STATUS.
    connect_bd_net [bd_pin snn_core_0/irq] [bd_pin zynq_ultra_ps_e_0/pl_ps_irq0]
}

proc assign_addresses {} {
    # Fixed register windows at the start of HPM0_FPD's range (0xA000_0000), so the
    # addresses do not move between builds: the DMA's 64 KiB, and 4 KiB for snn_core,
    # which decodes exactly 12 address bits (no aliases). PYNQ reads both from the .hwh.
    set ps_data [get_bd_addr_spaces zynq_ultra_ps_e_0/Data]
    assign_bd_address -target_address_space $ps_data -offset 0xA0000000 -range 64K \
        [bd_segment axi_dma_0/S_AXI_LITE/*]
    assign_bd_address -target_address_space $ps_data -offset 0xA0010000 -range 4K \
        [bd_segment snn_core_0/s_axi/*]
    # The rest: the DMA's two masters see the PS's DDR through HP0.
    assign_bd_address
}

proc create_block_design {} {
    create_bd_design $::bd_name
    add_processing_system
    add_snn_core
    add_dma
    add_infrastructure
    connect_clocks_and_resets
    connect_control
    connect_data
    connect_streams
    connect_interrupts
    assign_addresses
    validate_bd_design
    save_bd_design
}

proc make_top_wrapper {} {
    set bd_file [get_files $::bd_name.bd]
    # generate_target also writes the hardware handoff (.hwh) PYNQ needs.
    generate_target all $bd_file
    set wrapper [make_wrapper -files $bd_file -top]
    add_files -norecurse $wrapper
    # Set the top explicitly: snn_core.v would otherwise be a candidate too.
    set_property top ${::bd_name}_wrapper [current_fileset]
    update_compile_order -fileset sources_1
}

# ------------------------------------------------------------------ runs

proc run_to_completion {run jobs args} {
    launch_runs $run -jobs $jobs {*}$args
    wait_on_run $run
    set progress [get_property PROGRESS [get_runs $run]]
    if {$progress ne "100%"} {
        set status [get_property STATUS [get_runs $run]]
        set log [file join [get_property DIRECTORY [get_runs $run]] runme.log]
        error "$run stopped at $progress ($status); see $log"
    }
    puts "INFO: $run: [get_property STATUS [get_runs $run]]"
}

proc run_synthesis {jobs} {
    run_to_completion synth_1 $jobs
}

proc run_implementation {jobs} {
    run_to_completion impl_1 $jobs -to_step write_bitstream
}

# ------------------------------------------------------------------ outputs

proc write_reports {out_dir} {
    open_run impl_1
    report_utilization -file [file join $out_dir ${::bd_name}_utilization.rpt]
    report_timing_summary -max_paths 10 -report_unconstrained \
        -file [file join $out_dir ${::bd_name}_timing.rpt]
}

# Vivado writes a bitstream even when timing fails; such a bitstream may compute wrong
# results on the board, so it is not handed out as snn.bit.
proc check_timing {out_dir} {
    set run [get_runs impl_1]
    set wns [get_property STATS.WNS $run]
    set whs [get_property STATS.WHS $run]
    puts "INFO: worst setup slack $wns ns, worst hold slack $whs ns"
    if {$wns eq "" || $whs eq ""} {
        error "impl_1 reports no slack; see [file join $out_dir ${::bd_name}_timing.rpt]"
    }
    if {$wns < 0 || $whs < 0} {
        error "timing not met (WNS $wns ns, WHS $whs ns); see\
               [file join $out_dir ${::bd_name}_timing.rpt]. $::bd_name.bit and\
               $::bd_name.hwh in $out_dir were left as they were."
    }
}

# The .hwh lies under <project>.gen/ since Vivado 2020.2 and under <project>.srcs/
# before; look in both rather than hard-code one release's layout.
proc find_hwh {proj_dir} {
    set tail [list sources_1 bd $::bd_name hw_handoff $::bd_name.hwh]
    set found [glob -nocomplain \
        [file join $proj_dir *.gen {*}$tail] \
        [file join $proj_dir *.srcs {*}$tail]]
    if {[llength $found] != 1} {
        error "expected one $::bd_name.hwh under $proj_dir, found [llength $found]: $found"
    }
    return [lindex $found 0]
}

proc find_bitstream {} {
    set found [glob -nocomplain [file join [get_property DIRECTORY [get_runs impl_1]] *.bit]]
    if {[llength $found] != 1} {
        error "expected one bitstream in impl_1's directory, found [llength $found]: $found"
    }
    return [lindex $found 0]
}

proc export_overlay {proj_dir out_dir} {
    # PYNQ pairs a bitstream with the .hwh of the same basename.
    set bit [file join $out_dir $::bd_name.bit]
    set hwh [file join $out_dir $::bd_name.hwh]
    file copy -force [find_bitstream] $bit
    file copy -force [find_hwh $proj_dir] $hwh
    puts "INFO: wrote $bit"
    puts "INFO: wrote $hwh"
}

# ------------------------------------------------------------------ main

proc main {argv} {
    lassign [parse_args $argv] out_dir jobs proj_dir
    file mkdir $out_dir
    puts "INFO: outputs in $out_dir, project in $proj_dir, $jobs jobs"
    check_vivado_version
    create_snn_project $proj_dir
    add_rtl_sources
    create_block_design
    make_top_wrapper
    run_synthesis $jobs
    run_implementation $jobs
    write_reports $out_dir
    check_timing $out_dir
    export_overlay $proj_dir $out_dir
}

# An error anywhere ends the flow with it; vivado -mode batch then exits non-zero.
main $argv
