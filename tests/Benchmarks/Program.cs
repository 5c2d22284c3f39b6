using BenchmarkDotNet.Running;

// Examples: dotnet run -c Release -- --filter '*Sender*' --job short
//           dotnet run -c Release -- --filter '*AnalyzerOverhead*' --job short
//           dotnet run -c Release -- --filter '*AnalyzerOverhead*' --job short
//           dotnet run -c Release -- analyzer-times
//           dotnet run -c Release -- idle-memory
//           dotnet run -c Release -- sender-ab
if (args.Length > 0 && args[0] == "idle-memory")
{
    await Benchmarks.Runtime.IdleConnectionMemory.RunAsync();
    return;
}

if (args.Length > 0 && args[0] == "analyzer-times")
{
    await Benchmarks.Analyzers.AnalyzerOverheadBenchmarks.PrintPerAnalyzerTimesAsync();
    return;
}

if (args.Length > 0 && args[0] == "sender-ab")
{
    await Benchmarks.Runtime.SenderAbComparison.RunAsync();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
