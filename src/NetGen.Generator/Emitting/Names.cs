using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emitting
{
    /// <summary>The names generated code refers to, in one place. Code inside the user's type qualifies every name with
    /// <c>global::</c> (a user's own <c>Span</c> or <c>Simd</c> must not capture it); the kernel class lives in
    /// <see cref="KernelNamespace"/>, whose file imports <see cref="KernelUsings"/>, so kernels use the short names.</summary>
    internal static class Names
    {
        public const string Version = "0.1.0";

        public const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"NetGen\", \"" + Version + "\")]";

        public const string Activations = "global::NetGen.Runtime.Activations";

        public const string Losses = "global::NetGen.Runtime.Losses";

        public const string Normalization = "global::NetGen.Runtime.Normalization";

        public const string Guard = "global::NetGen.Runtime.Guard";

        public const string RuntimeKernels = "global::NetGen.Runtime.Kernels";

        public const string Initializer = "global::NetGen.Runtime.Initializer";

        public const string Classification = "global::NetGen.Training.Classification";

        public const string Activation = "global::NetGen.Activation";

        public const string LayerInfo = "global::NetGen.LayerInfo";

        /// <summary>The namespace of the kernel classes: out of the user's namespace, so the short names below bind to
        /// the types meant whatever the user declares.</summary>
        public const string KernelNamespace = "NetGen.Generated";

        /// <summary>What a kernel file may import, inside <see cref="KernelNamespace"/>, each with a token that shows the
        /// code uses it: a file imports only what it uses.</summary>
        public static readonly (string Namespace, string[] UsedBy)[] KernelUsings =
        {
            ("System", new[] { "Span<" }),
            ("System.CodeDom.Compiler", new[] { "[GeneratedCode(" }),
            ("System.Runtime.CompilerServices", new[] { "[MethodImpl(", "Unsafe." }),
            ("System.Runtime.InteropServices", new[] { "MemoryMarshal." }),
            ("System.Runtime.Intrinsics", new[] { "Vector128", "Vector256", "Vector512" }),
            ("NetGen.Runtime", new[] { "Simd.", "Kernels." }),
        };

        /// <summary>The attribute every kernel carries: compiled fully optimised on its first call, never at tier 0.</summary>
        public const string KernelAttributes = "[MethodImpl(MethodImplOptions.AggressiveOptimization)]";

        /// <summary>Writes the attribute every public pass carries, for the same reason: a pass's first call runs optimised
        /// code with its small runtime helpers inlined, instead of tier-0 code for the first tens of milliseconds (issue 15;
        /// the cold-start figures are in docs/performance.md). On two lines: fully qualified, it is longer than a line.</summary>
        public static void PassAttributes(SourceWriter w)
        {
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(");
            w.Line("    global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        }

        public static string Span(string t) => $"global::System.Span<{t}>";

        public static string ReadOnlySpan(string t) => $"global::System.ReadOnlySpan<{t}>";

        public static string Scratch(string t) => $"global::NetGen.Runtime.Scratch<{t}>";

        /// <summary>The kernel class of a network, in <see cref="KernelNamespace"/>: its full name with each <c>_</c>
        /// doubled, then each <c>.</c> as <c>_</c> (and a keyword's <c>@</c> dropped), so two networks never share one:
        /// <c>Samples.XorNet</c> is <c>Samples_XorNet</c>, <c>A_B.C</c> is <c>A__B_C</c> and <c>A.B_C</c> is
        /// <c>A_B__C</c>.</summary>
        public static string KernelClass(TypeSpec type) =>
            type.FullName.Replace("global::", string.Empty).Replace("@", string.Empty).Replace("_", "__").Replace('.', '_');

        /// <summary>The kernel class as code in the user's type refers to it.</summary>
        public static string QualifiedKernelClass(TypeSpec type) => $"global::{KernelNamespace}.{KernelClass(type)}";
    }

    /// <summary>One SIMD width the kernels are written for: the widest that fits is used, narrower ones cover the rest,
    /// each behind <c>IsHardwareAccelerated</c>, which the JIT folds to a constant.</summary>
    /// <param name="Vector">The vector type's short name (kernel files import System.Runtime.Intrinsics).</param>
    /// <param name="Bytes">Its width in bytes.</param>
    /// <param name="BatchGroupVectors">Column vectors per register block in the batched kernels: 4 x 4 accumulators need
    /// the 32 registers of AVX-512; the AVX2 and Neon paths keep 4 x 2.</param>
    internal sealed record VectorWidth(string Vector, int Bytes, int BatchGroupVectors)
    {
        /// <summary>The widths, widest first.</summary>
        public static readonly VectorWidth[] All =
        {
            new("Vector512", 64, 4),
            new("Vector256", 32, 2),
            new("Vector128", 16, 2),
        };

        public int Lanes(bool isDouble) => Bytes / (isDouble ? 8 : 4);
    }
}
