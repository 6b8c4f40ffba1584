using NetGen.Generator.Model;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Emitting
{
    /// <summary>Culture-invariant formatting of numbers, and the names the generated code and its comments use.</summary>
    internal static class Formatting
    {

        /// <summary>A literal of the network's scalar type that round-trips <paramref name="value"/>.</summary>
        public static string Literal(double value, bool isDouble) => isDouble
            ? Real(value) + "d"
            : Real((float)value) + "f";

        /// <summary>The lecture's name of an activation, as written in banners: <c>tanh</c>, <c>relu</c>, ...</summary>
        public static string ActivationName(LayerSpec layer) => layer.Kind == LayerKind.Maxout
            ? "maxout"
            : layer.Activation switch
            {
                ActivationKind.Identity => "identity",
                ActivationKind.Sigmoid => "sigmoid",
                ActivationKind.Tanh => "tanh",
                ActivationKind.ReLU => "relu",
                ActivationKind.LeakyReLU => "leaky_relu",
                ActivationKind.ELU => "elu",
                _ => layer.SoftmaxGroups > 1 ? $"softmax per {Int(layer.SoftmaxWidth)}" : "softmax",
            };

        public static string LossName(LossKind loss) => loss switch
        {
            LossKind.MeanSquaredError => "mean squared error",
            LossKind.CrossEntropy => "cross-entropy",
            _ => "binary cross-entropy",
        };

        /// <summary>The layer's shape as written in banners and the topology table: <c>Dense 2 -> 4</c>,
        /// <c>Maxout 16 -> 8 x 3 pieces</c>.</summary>
        public static string Shape(LayerSpec layer) => layer.Kind switch
        {
            LayerKind.Maxout => $"Maxout {Int(layer.FanIn)} -> {Int(layer.Units)} x {Int(layer.Pieces)} pieces",
            LayerKind.LayerNorm => layer.Groups == 1
                ? $"LayerNorm {Int(layer.Units)} (eps {Real(layer.Epsilon)})"
                : $"LayerNorm {Int(layer.Units)} as {Int(layer.Groups)} x {Int(layer.NormalizedSize)} (eps {Real(layer.Epsilon)})",
            _ => $"Dense {Int(layer.FanIn)} -> {Int(layer.Units)}",
        };

        /// <summary>The forward equation of layer k, for its banner: of vectors (<c>a2 = W2 h1 + b2</c>), or, batched, of
        /// matrices with a row per sample (<c>A2 = H1 W2 + b2</c>).</summary>
        public static string Equation(LayerSpec layer, bool batched = false)
        {
            string k = Int(layer.Number);
            string prev = Int(layer.Number - 1);
            string a = batched ? $"A{k}" : $"a{k}", h = batched ? $"H{k}" : $"h{k}";
            string bias = layer.HasBias ? $" + b{k}" : string.Empty;
            string affine = layer.Kind == LayerKind.LayerNorm
                ? batched
                    ? $"{a} = W{k} * (H{prev} - mu) / sqrt(var + eps) + b{k}, row by row (W{k} = gamma, b{k} = beta)"
                    : $"{a} = W{k} * (h{prev} - mu) / sqrt(var + eps) + b{k} (W{k} = gamma, b{k} = beta)"
                : batched ? $"{a} = H{prev} W{k}{bias}" : $"{a} = W{k} h{prev}{bias}";
            if (layer.Kind == LayerKind.Maxout)
            {
                return $"{affine} ({Int(layer.AffineOutputs)} outputs, piece-major);  {h}[i] = max_p {a}[p * {Int(layer.Units)} + i]";
            }

            return layer.IsIdentity ? $"{affine};  {h} = {a}" : $"{affine};  {h} = {ActivationName(layer)}({a})";
        }

        /// <summary>A layer's banner: <c>// Layer 2: Dense 16 -> 16, tanh.  a2 = W2 h1 + b2;  h2 = tanh(a2)</c>; batched,
        /// <c>// Layer 2: Dense 16 -> 16, tanh, for the tile's rows.  A2 = H1 W2 + b2;  H2 = tanh(A2)</c>.</summary>
        public static string Banner(LayerSpec layer, bool batched = false) =>
            $"// Layer {Int(layer.Number)}: {Shape(layer)}, {ActivationName(layer)}{(batched ? ", for the tile's rows" : string.Empty)}.  {Equation(layer, batched)}";
    }
}
