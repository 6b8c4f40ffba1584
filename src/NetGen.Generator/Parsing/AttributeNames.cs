namespace NetGen.Generator.Parsing
{
    /// <summary>Metadata names of the attributes that declare a network.</summary>
    internal static class AttributeNames
    {
        public const string Input = "NetGen.InputAttribute";
        public const string Dense = "NetGen.DenseAttribute";
        public const string Maxout = "NetGen.MaxoutAttribute";
        public const string LayerNorm = "NetGen.LayerNormAttribute";
        public const string Conv2D = "NetGen.Conv2DAttribute";
        public const string Conv1D = "NetGen.Conv1DAttribute";
        public const string MaxPool2D = "NetGen.MaxPool2DAttribute";
        public const string AvgPool2D = "NetGen.AvgPool2DAttribute";
        public const string MaxPool1D = "NetGen.MaxPool1DAttribute";
        public const string AvgPool1D = "NetGen.AvgPool1DAttribute";
        public const string GlobalAvgPool = "NetGen.GlobalAvgPoolAttribute";
        public const string Loss = "NetGen.LossAttribute";
        public const string Network = "NetGen.NetworkAttribute";
        public const string Weights = "NetGen.WeightsAttribute";
        public const string OnnxModel = "NetGen.OnnxModelAttribute";

        /// <summary>Every attribute that marks a type as a network, in the order that decides which pipeline owns a type.</summary>
        public static readonly string[] All = { Input, Dense, Maxout, LayerNorm, Conv2D, Conv1D, MaxPool2D, AvgPool2D, MaxPool1D, AvgPool1D, GlobalAvgPool, Loss, Network, Weights, OnnxModel };

        /// <summary>The attributes that declare a layer, in any order among themselves.</summary>
        public static readonly string[] Layers = { Dense, Maxout, LayerNorm, Conv2D, Conv1D, MaxPool2D, AvgPool2D, MaxPool1D, AvgPool1D, GlobalAvgPool };

        /// <summary>The layers that read a channels-first input: convolutions and pools.</summary>
        public static readonly string[] Spatial = { Conv2D, Conv1D, MaxPool2D, AvgPool2D, MaxPool1D, AvgPool1D, GlobalAvgPool };
    }
}
