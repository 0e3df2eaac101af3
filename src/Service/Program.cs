using System.CommandLine;
using MaskStream.Service.Cli;

// The `maskstream` executable: one verb per job (System.CommandLine). Each verb lives in its own
// file under Cli/ and returns an exit code; user errors (bad flags, files, values) surface as
// CliException and end the process with one line on stderr and exit code 2, never a stack trace.
var root = new RootCommand("MaskStream: real-time instance segmentation, pose and tracking for camera streams, published over MQTT.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(DatasetCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(DetectCommand.Create());
root.Subcommands.Add(TrackCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.SetAction((parseResult, ct) => RunCommand.RunDefaultAsync(parseResult, ct));
root.TreatUnmatchedTokensAsErrors = false;

return await CliHost.InvokeAsync(root, args);
