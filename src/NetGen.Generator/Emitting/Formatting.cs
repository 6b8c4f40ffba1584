using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emitting
{
    /// <summary>Culture-invariant formatting of numbers, and the names the generated code and its comments use.</summary>
    internal static class Formatting
    {
        public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A literal of the network's scalar type that round-trips <paramref name="value"/>.</summary>
        public static string Literal(double value, bool isDouble) => isDouble
            ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
            : ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

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
                _ => "softmax",
            };

        public static string LossName(LossKind loss) => loss switch
        {
            LossKind.MeanSquaredError => "mean squared error",
            LossKind.CrossEntropy => "cross-entropy",
            _ => "binary cross-entropy",
        };

        /// <summary>The layer's shape as written in banners and the topology table: <c>Dense 2 -> 4</c>,
        /// <c>Maxout 16 -> 8 x 3 pieces</c>.</summary>
        public static string Shape(LayerSpec layer) => layer.Kind == LayerKind.Maxout
            ? $"Maxout {Int(layer.FanIn)} -> {Int(layer.Units)} x {Int(layer.Pieces)} pieces"
            : $"Dense {Int(layer.FanIn)} -> {Int(layer.Units)}";

        /// <summary>The forward equation of layer k, for its banner.</summary>
        public static string Equation(LayerSpec layer)
        {
            string k = Int(layer.Number);
            string prev = Int(layer.Number - 1);
            string affine = $"a{k} = W{k} h{prev} + b{k}";
            if (layer.Kind == LayerKind.Maxout)
            {
                return $"{affine} ({Int(layer.AffineOutputs)} outputs, piece-major);  h{k}[i] = max_p a{k}[p * {Int(layer.Units)} + i]";
            }

            return layer.IsIdentity ? $"{affine};  h{k} = a{k}" : $"{affine};  h{k} = {ActivationName(layer)}(a{k})";
        }

        /// <summary>A layer's banner: <c>// Layer 2: Dense 16 -> 16, tanh.  a2 = W2 h1 + b2;  h2 = tanh(a2)</c>.</summary>
        public static string Banner(LayerSpec layer) =>
            $"// Layer {Int(layer.Number)}: {Shape(layer)}, {ActivationName(layer)}.  {Equation(layer)}";
    }
}
