using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace NetGen.Package.Tests;

/// <summary>Runs dotnet and built programs as a user would, in a clean environment (no test-host MSBuild variables).</summary>
internal static class Shell
{
    public static string Repository => NetGen.TestSupport.Repository.Root;

    public static (int ExitCode, string Output) Run(string program, IEnumerable<string> arguments, string directory, IDictionary<string, string>? environment = null, int timeoutMinutes = 10)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH").ToList())
        {
            start.Environment.Remove(key);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(timeoutMinutes)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in {timeoutMinutes} minutes.\n{output}");
        }

        return (process.ExitCode, output + error.Result);
    }

    public static string Dotnet(string directory, params string[] arguments)
    {
        (int code, string output) = Run("dotnet", arguments, directory);
        Assert.True(code == 0, $"dotnet {string.Join(' ', arguments)} failed with exit code {code}:\n{output}");
        return output;
    }
}
