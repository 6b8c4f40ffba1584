namespace NetGen.Generator.Parsing
{
    /// <summary>Metadata names of the attributes that declare a network.</summary>
    internal static class AttributeNames
    {
        public const string Input = "NetGen.InputAttribute";
        public const string Dense = "NetGen.DenseAttribute";
        public const string Maxout = "NetGen.MaxoutAttribute";
        public const string LayerNorm = "NetGen.LayerNormAttribute";
        public const string Loss = "NetGen.LossAttribute";
        public const string Network = "NetGen.NetworkAttribute";
        public const string Weights = "NetGen.WeightsAttribute";
        public const string OnnxModel = "NetGen.OnnxModelAttribute";

        /// <summary>Every attribute that marks a type as a network, in the order that decides which pipeline owns a type.</summary>
        public static readonly string[] All = { Input, Dense, Maxout, LayerNorm, Loss, Network, Weights, OnnxModel };
    }
}
