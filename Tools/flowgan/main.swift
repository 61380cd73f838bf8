// flowgan: a student's probe of the models the chapters saved (`swift run flowgan --help`).
// The subcommands live in Tools/FlowGANTool, one file each, where the tests can reach them.
import Foundation
import FlowGANTool

// Lines in the order they happen, also when the output goes to a file or a pipe.
setvbuf(stdout, nil, _IOLBF, 0)
exit(FlowGAN.run(Array(CommandLine.arguments.dropFirst())))
