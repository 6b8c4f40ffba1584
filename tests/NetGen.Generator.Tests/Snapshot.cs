using System;
using System.IO;

namespace NetGen.Generator.Tests;

/// <summary>Snapshot files for generated code: <c>Snapshots/Name.verified.cs</c> beside the tests. A mismatch writes
/// <c>Name.received.cs</c> and fails; set <c>NETGEN_ACCEPT_SNAPSHOTS=1</c> to accept the received text.</summary>
internal static class Snapshot
{
    public static void Verify(string name, string actual)
    {
        // Found from the test binary, not [CallerFilePath]: CI builds map source paths to /_/ for determinism.
        string folder = Path.Combine(NetGen.TestSupport.Repository.Root, "tests", "NetGen.Generator.Tests", "Snapshots");
        string verified = Path.Combine(folder, name + ".verified.cs");
        string received = Path.Combine(folder, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        bool accept = Environment.GetEnvironmentVariable("NETGEN_ACCEPT_SNAPSHOTS") == "1";
        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        if (accept)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verified} yet; wrote {received}. Review it, then run with NETGEN_ACCEPT_SNAPSHOTS=1 to accept."
            : $"Generated code differs from {verified}; wrote {received}. Diff them, and accept with NETGEN_ACCEPT_SNAPSHOTS=1 if the change is intended.");
    }
}
