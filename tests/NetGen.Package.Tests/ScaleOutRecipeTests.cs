using System;
using System.IO;
using Xunit.Abstractions;

namespace NetGen.Package.Tests;

/// <summary>docs/onnx.md's scale-out recipe, run as written: scripts/ddp-to-netgen.sh trains with PyTorch's
/// DistributedDataParallel on 2 processes (gloo, localhost), exports to ONNX, compiles the model with [OnnxModel] and
/// checks that NetGen's outputs agree with PyTorch's. Skipped, with a message, where /usr/bin/python3 has no torch.</summary>
public sealed class ScaleOutRecipeTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("netgen-ddp-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [SkippableFact]
    public void DistributedDataParallel_ExportedToOnnx_CompilesAndAgreesWithPyTorch()
    {
        (int probe, string probeOutput) = File.Exists("/usr/bin/python3")
            ? Shell.Run("/usr/bin/python3", ["-c", "import torch, torch.distributed; print(torch.__version__)"], _work)
            : (1, "/usr/bin/python3 is absent");
        Skip.If(probe != 0, "The scale-out recipe needs /usr/bin/python3 with torch (apt-get install python3-torch python3-onnx): " + probeOutput.Trim());

        (int code, string output) = Shell.Run("bash", [Path.Combine(Shell.Repository, "scripts", "ddp-to-netgen.sh"), _work], Shell.Repository, timeoutMinutes: 15);
        log.WriteLine(output);
        Assert.True(code == 0, output);
        Assert.Contains("with DistributedDataParallel, 2 processes (gloo)", output, StringComparison.Ordinal);
        Assert.Matches(@"same class 20/20", output);
    }
}
