using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>No generated method exceeds the limits past which the JIT gives up optimising (MinOpts): 60,000 IL bytes,
/// 20,000 IL instructions, 2,000 locals, 2,000 basic blocks.</summary>
public class JitLimitTests
{
    private const int MaxIlBytes = 60_000;
    private const int MaxInstructions = 20_000;
    private const int MaxLocals = 2_000;
    private const int MaxBasicBlocks = 2_000;

    private readonly ITestOutputHelper _output;

    public JitLimitTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(typeof(MnistNet))]
    [InlineData(typeof(WideNet))]
    [InlineData(typeof(LargestUnrolledNet))]
    [InlineData(typeof(XorNet))]
    [InlineData(typeof(LeNet5))]
    [InlineData(typeof(KeywordNet))]
    public void EveryGeneratedMethod_StaysWithinTheJitLimits(Type network)
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        // The passes live in the network's type; its kernels in NetGen.Generated.<full name with _ for punctuation>.
        Type? kernels = network.Assembly.GetType("NetGen.Generated." + network.FullName!.Replace("_", "__").Replace('.', '_').Replace('+', '_'));
        Assert.True(kernels is not null, $"no kernel class for {network.FullName}");
        MethodInfo[] methods = network.GetMethods(Declared).Concat(kernels.GetMethods(Declared)).ToArray();
        Assert.Contains(methods, m => m.Name == "Backward");
        // The first dense layer's batched kernel: layer 1's, or the first after the convolutions and pools.
        var layers = (IReadOnlyList<LayerInfo>)network.GetProperty("Layers", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        int firstDense = layers.First(l => l.Convolution is null).Number;
        Assert.Contains(methods, m => m.Name == $"AffineBatchBackward{firstDense}");
        foreach (MethodInfo method in methods)
        {
            MethodBody? body = method.GetMethodBody();
            if (body is null)
            {
                continue;
            }

            byte[] il = body.GetILAsByteArray()!;
            (int instructions, int blocks) = IlReader.Count(il);
            _output.WriteLine($"{network.Name}.{method.Name}: {il.Length} IL bytes, {instructions} instructions, {body.LocalVariables.Count} locals, {blocks} basic blocks");
            Assert.True(il.Length < MaxIlBytes, $"{method.Name}: {il.Length} IL bytes");
            Assert.True(instructions < MaxInstructions, $"{method.Name}: {instructions} instructions");
            Assert.True(body.LocalVariables.Count < MaxLocals, $"{method.Name}: {body.LocalVariables.Count} locals");
            Assert.True(blocks < MaxBasicBlocks, $"{method.Name}: {blocks} basic blocks");
        }
    }

    /// <summary>A minimal IL decoder: counts instructions, and basic blocks as 1 + branch targets + instructions after a branch.</summary>
    private static class IlReader
    {
        private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => o.Value);

        public static (int Instructions, int BasicBlocks) Count(byte[] il)
        {
            var leaders = new HashSet<int> { 0 };
            int instructions = 0;
            for (int at = 0; at < il.Length;)
            {
                short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
                OpCode op = OpCodesByValue[value];
                at += op.Size;
                instructions++;
                int operand = op.OperandType switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
                    _ => 4,
                };
                if (op.OperandType is OperandType.ShortInlineBrTarget or OperandType.InlineBrTarget)
                {
                    int offset = op.OperandType == OperandType.ShortInlineBrTarget ? (sbyte)il[at] : BitConverter.ToInt32(il, at);
                    leaders.Add(at + operand + offset);
                    leaders.Add(at + operand);
                }

                at += operand;
            }

            return (instructions, leaders.Count);
        }
    }
}
