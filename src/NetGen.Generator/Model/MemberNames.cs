using System.Collections.Generic;

namespace NetGen.Generator.Model
{
    /// <summary>Every member the emitter declares in a user's network type, public and private: the emitter writes these
    /// names, and the parser refuses (NG0020) a user member that would clash with one. One list, so the two cannot drift
    /// apart; a test compiles each kind of network and checks every generated member's name against it.</summary>
    internal static class MemberNames
    {
        public const string InputSize = nameof(InputSize);
        public const string OutputSize = nameof(OutputSize);
        public const string ParameterCount = nameof(ParameterCount);
        public const string DefaultSeed = nameof(DefaultSeed);
        public const string ForwardScratchLength = nameof(ForwardScratchLength);
        public const string BackwardScratchLength = nameof(BackwardScratchLength);
        public const string ParameterArray = "_parameters";
        public const string GradientArray = "_gradients";
        public const string Parameters = nameof(Parameters);
        public const string Gradients = nameof(Gradients);
        public const string Layers = nameof(Layers);
        public const string Loss = nameof(Loss);
        public const string Forward = nameof(Forward);
        public const string Backward = nameof(Backward);
        public const string SgdStep = nameof(SgdStep);
        public const string ComputeLoss = nameof(ComputeLoss);
        public const string ZeroGradients = nameof(ZeroGradients);
        public const string InitializeParameters = nameof(InitializeParameters);
        public const string NewParameters = nameof(NewParameters);
        public const string Initialize = nameof(Initialize);
        public const string Classify = nameof(Classify);
        public const string ClassifyBatch = nameof(ClassifyBatch);
        public const string BatchTile = nameof(BatchTile);
        public const string ForwardBatch = nameof(ForwardBatch);
        public const string BackwardBatch = nameof(BackwardBatch);
        public const string InputShape = nameof(InputShape);
        public const string OutputShape = nameof(OutputShape);
        public const string ImportedParameters = nameof(ImportedParameters);

        /// <summary>The members of a trainable network.</summary>
        public static readonly IReadOnlyList<string> Trainable = new[]
        {
            InputSize, OutputSize, ParameterCount, DefaultSeed, ForwardScratchLength, BackwardScratchLength, ParameterArray,
            GradientArray, Parameters, Gradients, Layers, Loss, Forward, Backward, SgdStep, ComputeLoss, ZeroGradients,
            InitializeParameters, NewParameters, Initialize, Classify, ClassifyBatch, BatchTile, ForwardBatch, BackwardBatch,
        };

        /// <summary>The members an <c>[OnnxModel]</c> network has besides the others of its kind.</summary>
        public static readonly IReadOnlyList<string> Imported = new[] { InputShape, OutputShape, ImportedParameters };

        /// <summary>The members of a baked, inference-only network.</summary>
        public static readonly IReadOnlyList<string> Baked = new[]
        {
            InputSize, OutputSize, ParameterCount, ForwardScratchLength, Layers, Parameters, Forward, Classify,
        };
    }
}
