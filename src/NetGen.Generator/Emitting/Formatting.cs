using NetGen.Generator.Model;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Emitting
{
    /// <summary>Culture-invariant formatting of numbers, and the names the generated code and its comments use.</summary>
    internal static class Formatting
    {

        /// <summary>Text made safe for an XML documentation comment.</summary>
        public static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

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
                ActivationKind.PReLU => "prelu",
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
            LayerKind.Convolution or LayerKind.MaxPool or LayerKind.AvgPool => SpatialShape(layer),
            _ => $"Dense {Int(layer.FanIn)} -> {Int(layer.Units)}",
        };

        /// <summary>The attribute's name of a convolution or pool (see <see cref="LayerSpec.SpatialName"/>).</summary>
        public static string SpatialName(LayerSpec layer) => layer.SpatialName;

        /// <summary><c>1 x 28 x 28</c>, or <c>8 x 100</c> for 1-D planes.</summary>
        public static string Planes(ConvSpec c, bool output) => c.Dimensions == 2
            ? $"{Int(output ? c.OutChannels : c.InChannels)} x {Int(output ? c.OutHeight : c.InHeight)} x {Int(output ? c.OutWidth : c.InWidth)}"
            : $"{Int(output ? c.OutChannels : c.InChannels)} x {Int(output ? c.OutWidth : c.InWidth)}";

        /// <summary>A value per axis: <c>3</c> when both agree (or for 1-D), else <c>1 x 2</c> (height x width).</summary>
        private static string PerAxis(ConvSpec c, int height, int width) =>
            c.Dimensions == 1 || height == width ? Int(width) : $"{Int(height)} x {Int(width)}";

        /// <summary><c>Conv2D 1 x 28 x 28 -> 6 x 28 x 28 (kernel 5, stride 1, padding 2)</c>, with dilation and groups when
        /// they are not 1.</summary>
        private static string SpatialShape(LayerSpec layer)
        {
            ConvSpec c = layer.Conv!;
            string head = $"{SpatialName(layer)} {Planes(c, output: false)} -> {Planes(c, output: true)}";
            if (c.Global)
            {
                return head;
            }

            string padding = c.PadTop == c.PadBottom && c.PadLeft == c.PadRight
                ? PerAxis(c, c.PadTop, c.PadLeft)
                : c.Dimensions == 2 ? $"{Int(c.PadTop)},{Int(c.PadBottom)} x {Int(c.PadLeft)},{Int(c.PadRight)}" : $"{Int(c.PadLeft)},{Int(c.PadRight)}";
            string text = $"{(layer.Kind == LayerKind.Convolution ? "kernel" : "window")} {PerAxis(c, c.KernelHeight, c.KernelWidth)}, stride {PerAxis(c, c.StrideHeight, c.StrideWidth)}, padding {padding}";
            if (c.DilationHeight != 1 || c.DilationWidth != 1)
            {
                text += $", dilation {PerAxis(c, c.DilationHeight, c.DilationWidth)}";
            }

            if (c.Groups != 1)
            {
                text += $", {Int(c.Groups)} groups";
            }

            if (layer.Kind == LayerKind.AvgPool && !c.CountIncludePad)
            {
                text += ", padding not counted";
            }

            return $"{head} ({text})";
        }

        /// <summary>One input index of a window, <c>y*2 + i - 1</c>, with the terms that are 0 or 1 left out.</summary>
        private static string Index(string output, string tap, int stride, int dilation, int pad)
        {
            string text = stride == 1 ? output : $"{output}*{Int(stride)}";
            text += dilation == 1 ? $" + {tap}" : $" + {tap}*{Int(dilation)}";
            return pad == 0 ? text : $"{text} - {Int(pad)}";
        }

        /// <summary>The forward equation of a convolution or pool, in the issue's notation.</summary>
        private static string SpatialEquation(LayerSpec layer, bool batched)
        {
            ConvSpec c = layer.Conv!;
            string k = Int(layer.Number), prev = Int(layer.Number - 1);
            string a = batched ? $"A{k}" : $"a{k}", h = batched ? $"H{prev}" : $"h{prev}";
            string row = Index("y", "i", c.StrideHeight, c.DilationHeight, c.PadTop);
            string column = Index("x", "j", c.StrideWidth, c.DilationWidth, c.PadLeft);
            string at = c.Dimensions == 2 ? $"[c, {row}, {column}]" : $"[c, {column}]";
            string output = c.Dimensions == 2 ? "[o,y,x]" : "[o,x]";
            string taps = c.Dimensions == 2 ? "i, j" : "j";
            string each = batched ? ", per row" : string.Empty;
            return layer.Kind switch
            {
                LayerKind.Convolution =>
                    $"{a}{output} = {(layer.HasBias ? $"b{k}[o] + " : string.Empty)}sum_{{c in {(c.Groups == 1 ? "all" : $"group(o) of {Int(c.Groups)}")}, {taps}}} W{k}{(c.Dimensions == 2 ? "[o,c,i,j]" : "[o,c,j]")} {h}{at}{each}",
                LayerKind.MaxPool => $"{a}{output.Replace('o', 'c')} = max_{{{taps}}} {h}{at}{each}",
                _ => c.Global
                    ? $"{a}[c] = mean of {h}[c, ...]{each}"
                    : $"{a}{output.Replace('o', 'c')} = sum_{{{taps}}} {h}{at} / {(c.CountIncludePad ? "the window's size up to the padded edge" : "the inputs in the window")}{each}",
            };
        }

        /// <summary>The forward equation of layer k, for its banner: of vectors (<c>a2 = W2 h1 + b2</c>), or, batched, of
        /// matrices with a row per sample (<c>A2 = H1 W2 + b2</c>).</summary>
        public static string Equation(LayerSpec layer, bool batched = false)
        {
            string k = Int(layer.Number);
            string prev = Int(layer.Number - 1);
            string a = batched ? $"A{k}" : $"a{k}", h = batched ? $"H{k}" : $"h{k}";
            string bias = layer.HasBias ? $" + b{k}" : string.Empty;
            if (layer.IsSpatial)
            {
                string equation = SpatialEquation(layer, batched);
                return layer.IsIdentity ? $"{equation};  {h} = {a}" : $"{equation};  {h} = {ActivationName(layer)}({a})";
            }

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
