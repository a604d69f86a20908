using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/LinkGateway.Benchmarks -- --filter '*'
// CI runs them once, in process, to keep them compiling and running: -- --filter '*' --job Dry --inProcess
BenchmarkSwitcher.FromAssembly(typeof(LinkGateway.Benchmarks.SigningBenchmarks).Assembly).Run(args);
