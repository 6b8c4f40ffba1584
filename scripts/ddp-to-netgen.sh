#!/usr/bin/env bash
# The scale-out recipe (docs/onnx.md): train in PyTorch with DistributedDataParallel on 2 processes (gloo, localhost),
# export to ONNX, compile with NetGen ([OnnxModel]), and check that NetGen's outputs agree with PyTorch's.
#
#   scripts/ddp-to-netgen.sh [WORK_DIR]
#
# Needs /usr/bin/python3 with torch (Debian: apt-get install python3-torch python3-onnx) and the .NET SDK. Uses
# ../shared/data/optdigits/optdigits.tra when it is there. Exits non-zero if any output differs by more than 1e-4.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"

/usr/bin/python3 "$repo/scripts/ddp_train.py" "$work" "$repo/../shared/data/optdigits/optdigits.tra"

# A project that compiles the exported model. It references NetGen's sources; a user references the NetGen package.
app="$work/app"
mkdir -p "$app"
cp "$work/model.onnx" "$work/reference.json" "$app/"
cat > "$app/App.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <NetGenTasksAssembly>$repo/src/NetGen.Tasks/bin/Release/netstandard2.0/NetGen.Tasks.dll</NetGenTasksAssembly>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/src/NetGen.Attributes/NetGen.Attributes.csproj" />
    <ProjectReference Include="$repo/src/NetGen.Runtime/NetGen.Runtime.csproj" />
    <ProjectReference Include="$repo/src/NetGen.Generator/NetGen.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <ProjectReference Include="$repo/src/NetGen.Tasks/NetGen.Tasks.csproj" ReferenceOutputAssembly="false" />
    <NetGenModel Include="model.onnx" />
  </ItemGroup>
  <Import Project="$repo/src/NetGen.Runtime/build/NetGen.targets" />
</Project>
XML
cat > "$app/Program.cs" <<'CS'
using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetGen;

using JsonDocument reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "reference.json")));
float[][] inputs = reference.RootElement.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
float[][] outputs = reference.RootElement.GetProperty("outputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
var y = new float[Digits.OutputSize];
double worst = 0;
int agree = 0;
for (int s = 0; s < inputs.Length; s++)
{
    Digits.Forward(inputs[s], y);
    worst = Math.Max(worst, y.Zip(outputs[s], (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(b))).Max());
    agree += Digits.Classify(inputs[s]) == Array.IndexOf(outputs[s], outputs[s].Max()) ? 1 : 0;
}

Console.WriteLine($"NetGen against PyTorch on {inputs.Length} samples: largest difference {worst:E2} (relative where above 1), same class {agree}/{inputs.Length}");
return worst <= 1e-4 && agree == inputs.Length ? 0 : 1;

[OnnxModel("model.onnx")]
static partial class Digits;
CS
# reference.json beside the program
sed -i 's#<NetGenModel Include="model.onnx" />#<NetGenModel Include="model.onnx" />\n    <None Include="reference.json" CopyToOutputDirectory="PreserveNewest" />#' "$app/App.csproj"
dotnet build "$repo/src/NetGen.Tasks" -c Release -v:q -nologo >/dev/null
dotnet run --project "$app" -c Release
