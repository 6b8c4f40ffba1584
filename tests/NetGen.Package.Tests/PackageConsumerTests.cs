using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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

    /// <summary>The model's first reference input and PyTorch's output for it (tests/NetGen.Tests/TestData/onnx/references.json).</summary>
    private static (float[] Input, double Output) Reference()
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Shell.Repository, "tests", "NetGen.Tests", "TestData", "onnx", "references.json")));
        System.Text.Json.JsonElement model = json.RootElement.GetProperty("models").GetProperty("tanh_sigmoid_op13");
        float[] input = [.. model.GetProperty("inputs")[0].EnumerateArray().Select(v => (float)v.GetDouble())];
        return (input, model.GetProperty("outputs")[0][0].GetDouble());
    }

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
                <NetGenModel Include="models/tanh_sigmoid_op13.onnx" />
              </ItemGroup>
            </Project>
            """);
        // An ONNX model exported from PyTorch (scripts/make-onnx-models.py), compiled through the package's build targets.
        Directory.CreateDirectory(Path.Combine(consumer, "models"));
        File.Copy(Path.Combine(Shell.Repository, "tests", "NetGen.Tests", "TestData", "onnx", "tanh_sigmoid_op13.onnx"), Path.Combine(consumer, "models", "tanh_sigmoid_op13.onnx"));
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
            Span<float> imported = stackalloc float[1];
            Imported.Forward([REFERENCE_INPUT], imported);
            Console.WriteLine($"imported [{string.Join(", ", Imported.InputShape.ToArray())}] -> {imported[0]:R}");

            [OnnxModel("models/tanh_sigmoid_op13.onnx")]
            static partial class Imported;

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
        (float[] referenceInput, double referenceOutput) = Reference();
        string program = File.ReadAllText(Path.Combine(consumer, "Program.cs"));
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), program.Replace("REFERENCE_INPUT", string.Join(", ", referenceInput.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f")), StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(consumer, ".editorconfig"), """
            root = true
            [*.cs]
            dotnet_diagnostic.NG0016.severity = none
            """);

        string build = Shell.Dotnet(consumer, "build", "-c", "Release");
        _log.WriteLine(build);
        Assert.Contains($"\"NetGen/{version}\"", File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json")), StringComparison.Ordinal);
        Assert.Matches(new Regex(@"0 Warning\(s\)"), build);

        // A second build with nothing changed does not convert the model again (the target's Inputs/Outputs).
        string converted = Assert.Single(Directory.GetFiles(Path.Combine(consumer, "obj", "Release", "net10.0", "netgen"), "tanh_sigmoid_op13.*.onnx.json", SearchOption.AllDirectories));
        DateTime written = File.GetLastWriteTimeUtc(converted);
        string again = Shell.Dotnet(consumer, "build", "-c", "Release", "-v:d");
        Assert.Contains("Skipping target \"NetGenConvertModels\" because all output files are up-to-date", again, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(converted));

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
            Match imported = Regex.Match(output, @"imported \[6\] -> (\S+)");
            Assert.True(imported.Success, output);
            double value = double.Parse(imported.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(value - referenceOutput) <= 1e-5, $"the imported model gave {value}, PyTorch {referenceOutput}");
        }
    }
}
