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
        string jitAccuracy = TrainDigitsSample();
        string binary = Publish("NetGen.Samples.Aot", "aot-size.txt", "NativeAOT sample");

        (int code, string ran) = Shell.Run(binary, [Path.Combine(_work, "digits.ngp")], _work);
        _log.WriteLine(ran);
        Assert.True(code == 0, ran);
        Assert.Contains(jitAccuracy, ran, StringComparison.Ordinal);

        (int refused, string message) = Shell.Run(binary, [Path.Combine(_work, "digits-training.png")], _work);
        Assert.Equal(1, refused);
        Assert.Contains("Cannot load", message, StringComparison.Ordinal);
    }

    /// <summary>The baked variant: the digits sample's weights compiled into the executable, which runs from an empty
    /// directory and reads digits exactly as the trained network does (train, export JSON, bake: same outputs).</summary>
    [Fact]
    public void BakedAotSample_NeedsNoFile_AndReadsDigitsExactlyAsTheTrainedNetworkDoes()
    {
        string jitAccuracy = TrainDigitsSample();
        foreach (string name in new[] { "digits.json", "digits-int8.json" })
        {
            string committed = Path.Combine(Shell.Repository, "samples", "NetGen.Samples.AotBaked", name);
            Assert.True(
                File.ReadAllText(committed) == File.ReadAllText(Path.Combine(_work, name)),
                $"{committed} is not what the digits sample trains today: copy digits-output/{name} there after changing the sample.");
        }

        string binary = Publish("NetGen.Samples.AotBaked", "aot-baked-size.txt", "NativeAOT sample with baked weights");
        string empty = Directory.CreateDirectory(Path.Combine(_work, "empty")).FullName;
        (int code, string ran) = Shell.Run(binary, [], empty);
        _log.WriteLine(ran);
        Assert.True(code == 0, ran);
        Assert.Contains(jitAccuracy, ran, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(empty));

        // The int8 form, compiled ahead of time too: at most half a point below float, and reading the same digit on
        // nearly every image.
        Match int8 = Regex.Match(ran, @"Int8: test accuracy ([\d.]+) %; the same digit as float on (\d+) of 1000 images");
        Assert.True(int8.Success, ran);
        double floatAccuracy = double.Parse(Regex.Match(jitAccuracy, @"[\d.]+").Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(double.Parse(int8.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= floatAccuracy - 0.5, ran);
        Assert.True(int.Parse(int8.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 985, ran);

        // Image by image, the same digits and confidences as the file-based sample with the trained parameters.
        string fileBased = Path.Combine(Shell.Repository, "samples", "NetGen.Samples.Aot", "bin", "Release", "net10.0", "NetGen.Samples.Aot.dll");
        (int jitCode, string jit) = Shell.Run("dotnet", [fileBased, Path.Combine(_work, "digits.ngp")], _work);
        Assert.True(jitCode == 0, jit);
        Assert.Equal(ImageLines(jit), ImageLines(ran));
        Assert.Equal(10, ImageLines(ran).Length);
    }

    private static string[] ImageLines(string output) => output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("image ", StringComparison.Ordinal)).ToArray();

    /// <summary>Trains with the digits sample (JIT) into the work folder and returns its reported accuracy line.</summary>
    private string TrainDigitsSample()
    {
        string digits = Path.Combine(Shell.Repository, "samples", "NetGen.Samples.Digits", "bin", "Release", "net10.0", "NetGen.Samples.Digits.dll");
        Assert.True(File.Exists(digits), $"Build the solution in Release first: {digits} is missing.");
        (int trainCode, string trained) = Shell.Run("dotnet", [digits, "--out", _work], _work);
        Assert.True(trainCode == 0, trained);
        string jitAccuracy = Regex.Match(trained, @"Test accuracy: [\d.]+ % on 1000 images\.").Value;
        Assert.NotEmpty(jitAccuracy);
        return jitAccuracy;
    }

    /// <summary>Publishes a sample with NativeAOT, asserts no trim, AOT or compiler warnings and a size under 2 MiB, and
    /// records the size for the CI summary (scripts/test.sh prints TestResults/aot-*.txt).</summary>
    private string Publish(string sample, string sizeFile, string what)
    {
        string publish = Path.Combine(_work, sample);
        string output = Shell.Dotnet(Shell.Repository, "publish", "samples/" + sample, "-c", "Release", "-r", "linux-x64", "-o", publish);
        string[] warnings = output.Split('\n').Where(l => Regex.IsMatch(l, @"warning (IL\d{4}|CS\d{4}|NETSDK\d{4}|NG\d{4})")).Distinct().ToArray();
        Assert.True(warnings.Length == 0, "trim, AOT or compiler warnings:\n" + string.Join('\n', warnings));

        string binary = Path.Combine(publish, sample);
        long size = new FileInfo(binary).Length;
        string report = $"{what}: {size:N0} bytes ({size / 1048576.0:F2} MiB, symbols stripped to a .dbg file)";
        _log.WriteLine(report);
        Directory.CreateDirectory(Path.Combine(Shell.Repository, "TestResults"));
        File.WriteAllText(Path.Combine(Shell.Repository, "TestResults", sizeFile), report + "\n");
        Assert.True(size < 2 * 1048576, $"the binary is {size:N0} bytes; the aim is 2 MiB at most");
        return binary;
    }
}
