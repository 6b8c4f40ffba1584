using System;
using System.Diagnostics;
using System.IO;
using NetGen.Persistence;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>The README's main command, run as a user runs it: the digits sample with no data folder.</summary>
public sealed class MainSampleTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("netgen-digits-").FullName;
    private readonly ITestOutputHelper _log;

    public MainSampleTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public void DigitsSample_WithoutData_TrainsInUnderAMinute_PrintsAccuracy_WritesPlotAndParameters()
    {
        string dll = FindSample();
        var start = new ProcessStartInfo("dotnet", [dll, "--out", _output]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var watch = Stopwatch.StartNew();
        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the sample did not finish in 2 minutes");
        watch.Stop();
        _log.WriteLine(stdout);

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {stderr}");
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(1), $"took {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Matches(@"Test accuracy: \d+\.\d+ % on 1000 images\.", stdout);
        byte[] png = File.ReadAllBytes(Path.Combine(_output, "digits-training.png"));
        Assert.True(png.Length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "the plot is not a PNG of substance");

        // The saved parameters load into an identically declared network in another assembly.
        var net = new DigitsNet();
        ParameterFile.Load(net, Path.Combine(_output, "digits.ngp"));
    }

    private static string FindSample()
    {
        string bin = Path.Combine(NetGen.TestSupport.Repository.Root, "samples", "NetGen.Samples.Digits", "bin");
        foreach (string configuration in new[] { "Release", "Debug" })
        {
            string dll = Path.Combine(bin, configuration, "net10.0", "NetGen.Samples.Digits.dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        throw new FileNotFoundException($"Build the solution first: there is no NetGen.Samples.Digits.dll under {bin}.");
    }
}
