using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace NetGen.Package.Tests;

/// <summary>A project outside the repository that references only the NetGen package declares its own network, trains
/// it, saves and reloads it, on net8.0 and net10.0: the newcomer's path through the package.</summary>
public sealed class PackageConsumerTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("netgen-consumer-").FullName;
    private readonly ITestOutputHelper _log;

    public PackageConsumerTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void APackageReferenceOnly_Consumer_BuildsAndRuns_OnNet8AndNet10()
    {
        // A version no earlier run can have put in a cache: a stale package cannot be picked up.
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        string feed = Path.Combine(_work, "feed");
        string packages = Path.Combine(_work, "packages");
        Shell.Dotnet(Shell.Repository, "pack", "src/NetGen.Runtime", "-c", "Release", "-o", feed, $"-p:Version={version}");
        Assert.True(File.Exists(Path.Combine(feed, $"NetGen.{version}.nupkg")));

        string consumer = Path.Combine(_work, "consumer");
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <config><add key="globalPackagesFolder" value="{packages}" /></config>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFrameworks>net8.0;net10.0</TargetFrameworks>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="NetGen" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using System;
            using NetGen;
            using NetGen.Data;
            using NetGen.Persistence;
            using NetGen.Training;

            var data = new Dataset<float>([0, 0, 0, 1, 1, 0, 1, 1], 2, [0, 1, 1, 0], 1);
            var net = new Xor();
            Trainer.Train(net, new Adam<float>(0.05), data, new TrainerOptions { Epochs = 600, BatchSize = 4 });
            ParameterFile.Save(net, "xor.ngp");
            var loaded = new Xor();
            ParameterFile.Load(loaded, "xor.ngp");
            Span<float> y = stackalloc float[1];
            for (int i = 0; i < 4; i++)
            {
                loaded.Forward(data.Input(i), y);
                Console.WriteLine($"xor({data.Input(i)[0]}, {data.Input(i)[1]}) = {MathF.Round(y[0])}");
            }

            Console.WriteLine($"runtime {Environment.Version.Major}, accuracy {Evaluation.Accuracy(loaded, data):P0}");

            [Input(2)]
            [Dense(8, Activation.Tanh)]
            [Dense(1, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            partial class Xor;

            // NG warnings are reported at source locations, so the compiler's own suppressions apply: each of these
            // would fail this warnings-as-errors build otherwise (NG0012: softmax with mean squared error; NG0016: an
            // alpha that tanh does not use, silenced by the .editorconfig written beside this file).
            [System.Diagnostics.CodeAnalysis.SuppressMessage("NetGen", "NG0012")]
            [Input(2)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.MeanSquaredError)]
            partial class SuppressedByAttribute;

            #pragma warning disable NG0012
            [Input(2)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.MeanSquaredError)]
            partial class SuppressedByPragma;
            #pragma warning restore NG0012

            [Input(2)] [Dense(3, Activation.Tanh, Alpha = 0.5)] [Loss(LossFunction.MeanSquaredError)]
            partial class SilencedByEditorConfig;
            """);
        File.WriteAllText(Path.Combine(consumer, ".editorconfig"), """
            root = true
            [*.cs]
            dotnet_diagnostic.NG0016.severity = none
            """);

        string build = Shell.Dotnet(consumer, "build", "-c", "Release");
        _log.WriteLine(build);
        Assert.Contains($"\"NetGen/{version}\"", File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json")), StringComparison.Ordinal);
        Assert.Matches(new Regex(@"0 Warning\(s\)"), build);

        foreach ((string framework, string runtime) in new[] { ("net10.0", "10"), ("net8.0", "10") })
        {
            // This machine has only the .NET 10 runtime: the net8.0 build rolls forward onto it.
            var environment = new Dictionary<string, string> { ["DOTNET_ROLL_FORWARD"] = "Major" };
            (int code, string output) = Shell.Run("dotnet", [Path.Combine(consumer, "bin", "Release", framework, "Consumer.dll")], consumer, environment);
            _log.WriteLine($"{framework}:\n{output}");
            Assert.True(code == 0, output);
            Assert.Contains("xor(0, 0) = 0", output, StringComparison.Ordinal);
            Assert.Contains("xor(0, 1) = 1", output, StringComparison.Ordinal);
            Assert.Contains("xor(1, 0) = 1", output, StringComparison.Ordinal);
            Assert.Contains("xor(1, 1) = 0", output, StringComparison.Ordinal);
            Assert.Contains($"runtime {runtime}, accuracy 100", output, StringComparison.Ordinal);
        }
    }
}
