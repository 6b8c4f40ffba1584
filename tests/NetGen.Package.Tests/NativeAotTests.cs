using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace NetGen.Package.Tests;

/// <summary>The NativeAOT sample publishes without trim or AOT warnings, and its inference matches the JIT's exactly.</summary>
public sealed class NativeAotTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("netgen-aot-").FullName;
    private readonly ITestOutputHelper _log;

    public NativeAotTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void AotSample_PublishesWithoutWarnings_AndReadsDigitsExactlyAsTheJitSampleDoes()
    {
        // Train with the digits sample (JIT), keeping its parameters and its reported accuracy.
        string digits = Path.Combine(Shell.Repository, "samples", "NetGen.Samples.Digits", "bin", "Release", "net10.0", "NetGen.Samples.Digits.dll");
        Assert.True(File.Exists(digits), $"Build the solution in Release first: {digits} is missing.");
        (int trainCode, string trained) = Shell.Run("dotnet", [digits, "--out", _work], _work);
        Assert.True(trainCode == 0, trained);
        string jitAccuracy = Regex.Match(trained, @"Test accuracy: [\d.]+ % on 1000 images\.").Value;
        Assert.NotEmpty(jitAccuracy);

        string publish = Path.Combine(_work, "aot");
        string output = Shell.Dotnet(Shell.Repository, "publish", "samples/NetGen.Samples.Aot", "-c", "Release", "-r", "linux-x64", "-o", publish);
        string[] warnings = output.Split('\n').Where(l => Regex.IsMatch(l, @"warning (IL\d{4}|CS\d{4}|NETSDK\d{4})")).Distinct().ToArray();
        Assert.True(warnings.Length == 0, "trim, AOT or compiler warnings:\n" + string.Join('\n', warnings));

        string binary = Path.Combine(publish, "NetGen.Samples.Aot");
        long size = new FileInfo(binary).Length;
        string report = $"NativeAOT sample: {size:N0} bytes ({size / 1048576.0:F2} MiB, symbols stripped to a .dbg file)";
        _log.WriteLine(report);
        Directory.CreateDirectory(Path.Combine(Shell.Repository, "TestResults"));
        File.WriteAllText(Path.Combine(Shell.Repository, "TestResults", "aot-size.txt"), report + "\n"); // scripts/test.sh prints it
        (int code, string ran) = Shell.Run(binary, [Path.Combine(_work, "digits.ngp")], _work);
        _log.WriteLine(ran);
        Assert.True(code == 0, ran);
        Assert.Contains(jitAccuracy, ran, StringComparison.Ordinal);
        Assert.True(size < 2 * 1048576, $"the binary is {size:N0} bytes; the aim is 2 MiB at most");

        (int refused, string message) = Shell.Run(binary, [Path.Combine(_work, "digits-training.png")], _work);
        Assert.Equal(1, refused);
        Assert.Contains("Cannot load", message, StringComparison.Ordinal);
    }
}
