using System;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Onnx
{
    /// <summary>Convolutions and pools. The data path of a sample is channels-first planes, <c>[C, L]</c> (1-D) or
    /// <c>[C, H, W]</c> (2-D), which is NetGen's layout too, so a Flatten after them needs no reordering. Each op resolves
    /// its window from ONNX's attributes with ONNX's defaults (strides 1, pads 0, count_include_pad 0), with the window
    /// arithmetic the generator uses (<see cref="ConvolutionGeometry"/>), and refuses, naming the attribute, what NetGen's
    /// layers cannot compute exactly.</summary>
    public sealed partial class OnnxImporter
    {
        private PendingPad? _pad; // zero padding of the data path's planes, waiting for the Conv or AveragePool it folds into

        /// <summary>Zero padding of the spatial axes (a Pad node) that the next node, a Conv or an AveragePool, takes as its
        /// own padding. The data path has the padded shape meanwhile; <see cref="Unpadded"/> is what the layer reads.</summary>
        private sealed class PendingPad
        {
            public PendingPad(int[] unpadded, long[] begins, long[] ends, string source) => (Unpadded, Begins, Ends, Source) = (unpadded, begins, ends, source);

            public int[] Unpadded { get; }

            /// <summary>Per spatial axis, the zeros before the first position.</summary>
            public long[] Begins { get; }

            /// <summary>Per spatial axis, the zeros after the last position.</summary>
            public long[] Ends { get; }

            public string Source { get; }
        }

        /// <summary>The planes the next convolution or pool reads: the data path, or what it was before a pending Pad.</summary>
        private int[] Planes => _pad?.Unpadded ?? _streamShape;

        /// <summary>Pad (mode constant, value 0) of the spatial axes: PyTorch exports nn.ZeroPad2d, and nn.AvgPool2d with
        /// padding, as a Pad before the layer. It folds into the Conv or AveragePool right after it (any other reader is
        /// refused), which is exact: a convolution's padding is zeros, and an average pool counts the zeros a Pad wrote as
        /// inputs, as count_include_pad does.</summary>
        private void Pad(OnnxNode node)
        {
            RequireStream(node);
            string mode = node.Attributes.TryGetValue("mode", out OnnxAttribute? m) && m.String.Length > 0 ? m.String : "constant";
            Expect(node, mode == "constant", $"mode '{mode}'; NetGen folds only zero padding (mode constant, value 0) into the Conv or AveragePool after it");
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
            {
                double[] value = Reals(node, ConstantInput(node, 2, "constant_value"), "constant_value");
                Expect(node, value.All(v => v == 0), $"its constant_value is {string.Join(", ", value.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}; NetGen folds only zero padding into the Conv or AveragePool after it");
            }

            Expect(node, node.Inputs.Count <= 3, "it pads only some axes (an axes input); NetGen reads pads over every axis");
            long[] pads = Integers(node, ConstantInput(node, 1, "pads"), "pads");
            int rank = _streamShape.Length + 1;
            Expect(node, pads.Length == 2 * rank, $"pads [{string.Join(", ", pads)}] has {pads.Length} entries for a tensor of rank {rank}");
            Expect(node, rank is 3 or 4, $"its input has per-sample shape [{string.Join(", ", _streamShape)}]; NetGen folds padding of [C, L] or [C, H, W] planes only");
            Expect(node, pads[0] == 0 && pads[1] == 0 && pads[rank] == 0 && pads[rank + 1] == 0, $"pads [{string.Join(", ", pads)}] pad the batch or the channels; NetGen folds padding of the spatial axes only");
            Expect(node, pads.All(p => p >= 0 && p <= MaxFeatures), $"pads [{string.Join(", ", pads)}] must be from 0 to {MaxFeatures} (a negative pad crops)");
            long[] begins = pads.Skip(2).Take(rank - 2).ToArray(), ends = pads.Skip(rank + 2).ToArray();
            int[] unpadded = Planes;
            string source = Source(node);
            if (_pad is not null)
            {
                // Pad of a Pad: the zeros add up.
                begins = begins.Zip(_pad.Begins, (a, b) => a + b).ToArray();
                ends = ends.Zip(_pad.Ends, (a, b) => a + b).ToArray();
                source = _pad.Source + ", " + source;
            }

            var padded = new long[unpadded.Length];
            padded[0] = unpadded[0];
            for (int axis = 1; axis < unpadded.Length; axis++)
            {
                padded[axis] = unpadded[axis] + begins[axis - 1] + ends[axis - 1];
            }

            Size(padded, node, "its output");
            _pad = new PendingPad(unpadded, begins, ends, source);
            Advance(node, padded.Select(d => (int)d).ToArray());
        }
        /// <summary>Conv: weight <c>[M, C/group, kH(, kW)]</c>, optional bias <c>[M]</c>. It opens a layer, so that an
        /// activation after it becomes its activation and a BatchNormalization or a per-channel Add or Mul folds into it.</summary>
        private void Conv(OnnxNode node)
        {
            RequireStream(node);
            int dimensions = BeginSpatial(node, "convolution");
            int channels = _streamShape[0];
            OnnxTensor w = ConstantInput(node, 1, "weight");
            double[] weight = Reals(node, w, "weight");
            string taps = dimensions == 2 ? "kH, kW" : "k";
            Expect(node, w.Dims.Count == dimensions + 2 && w.Dims.All(d => d >= 1 && d <= MaxFeatures),
                $"its weight has shape {w.ShapeText}; a {dimensions}-D convolution of a [{string.Join(", ", _streamShape)}] sample takes [M, C/group, {taps}]");
            int outChannels = (int)w.Dims[0];
            long group = IntAttribute(node, "group", 1);
            Expect(node, group >= 1 && channels % group == 0 && outChannels % group == 0,
                $"group {group} does not divide its {channels} input channels and {outChannels} output channels");
            Expect(node, w.Dims[1] * group == channels,
                $"its weight has shape {w.ShapeText}, which takes {w.Dims[1] * group} input channels in {group} group{(group == 1 ? string.Empty : "s")}, and its input has {channels}");
            long[] kernel = w.Dims.Skip(2).ToArray();
            if (node.Attributes.TryGetValue("kernel_shape", out OnnxAttribute? declared))
            {
                Expect(node, declared.Ints.SequenceEqual(kernel), $"kernel_shape [{string.Join(", ", declared.Ints)}] is not its weight's [{string.Join(", ", kernel)}]");
            }

            ImportedGeometry geometry = Window(node, dimensions, outChannels, kernel, pool: false);
            geometry.Groups = (int)group;
            double[]? bias = null;
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
            {
                bias = (double[])Vector(node, 2, "bias", outChannels).Clone();
            }

            // [M][C/group][kH][kW] is NetGen's order of a convolution's weights (a 1-D kernel is one row of a 2-D one).
            _open = ImportedLayer.Convolution(geometry, (double[])weight.Clone(), bias, TakePad(node));
            Advance(node, geometry.OutputShape);
        }

        /// <summary>MaxPool: kernel_shape, strides (default 1, unlike PyTorch's), pads, ceil_mode. A dilated window, the
        /// column-major storage order and a use of the Indices output are refused.</summary>
        private void MaxPool(OnnxNode node)
        {
            RequireStream(node);
            Expect(node, !OutputUsed(node, 1), "its Indices output is used; NetGen computes the maximum only (return_indices=False)");
            Expect(node, IntAttribute(node, "storage_order", 0) == 0, $"storage_order {IntAttribute(node, "storage_order", 0)}; NetGen supports storage_order 0 (row-major) only");
            Pool(node, ImportedLayerKind.MaxPool);
        }

        /// <summary>AveragePool: as MaxPool, with count_include_pad (default 0: the divisor counts the inputs in the
        /// window only, where PyTorch's default counts the padding too).</summary>
        private void AveragePool(OnnxNode node) => Pool(node, ImportedLayerKind.AvgPool);

        private void Pool(OnnxNode node, ImportedLayerKind kind)
        {
            RequireStream(node);
            int dimensions = BeginSpatial(node, kind == ImportedLayerKind.MaxPool ? "max pool" : "average pool");
            Expect(node, node.Attributes.TryGetValue("kernel_shape", out OnnxAttribute? kernel), "it has no kernel_shape");
            Expect(node, kernel!.Ints.Count == dimensions, $"kernel_shape [{string.Join(", ", kernel.Ints)}] has {kernel.Ints.Count} entries; a {dimensions}-D pool of a [{string.Join(", ", _streamShape)}] sample takes {dimensions}");
            if (node.Attributes.TryGetValue("dilations", out OnnxAttribute? dilations))
            {
                Expect(node, dilations.Ints.All(d => d == 1), $"dilations [{string.Join(", ", dilations.Ints)}]; NetGen's pools take dilation 1 (a window without gaps)");
            }

            bool counted = kind == ImportedLayerKind.AvgPool && IntAttribute(node, "count_include_pad", 0) != 0;
            Expect(node, _pad is null || counted || Ints(node, "pads", 2 * dimensions, 0).All(p => p == 0),
                $"it has pads of its own with count_include_pad 0 after {_pad?.Source}, whose zeros it counts; NetGen's average pool counts all its padding or none");
            ImportedGeometry geometry = Window(node, dimensions, _streamShape[0], kernel.Ints.ToArray(), pool: true);

            // The zeros of a Pad before it are inputs to ONNX's average, so the divisor counts them: count_include_pad.
            geometry.CountIncludePad = counted || _pad is not null;
            AddPool(node, kind, geometry);
        }

        /// <summary>The source of a layer that takes the pending Pad's zeros as its padding, which is then consumed.</summary>
        private string TakePad(OnnxNode node)
        {
            string source = _pad is null ? Source(node) : _pad.Source + " folded into " + Source(node);
            _pad = null;
            return source;
        }

        /// <summary>GlobalAveragePool: the mean of each channel, <c>[C, H, W]</c> to <c>[C, 1, 1]</c> (or <c>[C, L]</c> to
        /// <c>[C, 1]</c>).</summary>
        private void GlobalAveragePool(OnnxNode node)
        {
            RequireStream(node);
            ImportedGeometry geometry = WholePlane(BeginSpatial(node, "global average pool"));
            geometry.Global = true;
            AddPool(node, ImportedLayerKind.AvgPool, geometry);
        }

        /// <summary>GlobalMaxPool: the largest value of each channel, a max pool whose window is the whole plane.</summary>
        private void GlobalMaxPool(OnnxNode node)
        {
            RequireStream(node);
            AddPool(node, ImportedLayerKind.MaxPool, WholePlane(BeginSpatial(node, "global max pool")));
        }

        /// <summary>A window over the whole of each channel's plane, one output per channel.</summary>
        private ImportedGeometry WholePlane(int dimensions)
        {
            int channels = _streamShape[0], height = dimensions == 2 ? _streamShape[1] : 1, width = _streamShape[dimensions];
            return new ImportedGeometry
            {
                Dimensions = dimensions,
                InChannels = channels,
                InHeight = height,
                InWidth = width,
                OutChannels = channels,
                OutHeight = 1,
                OutWidth = 1,
                KernelHeight = height,
                KernelWidth = width,
                StrideHeight = 1,
                StrideWidth = 1,
            };
        }

        /// <summary>A pool is a layer of its own, with no parameters and no activation: an activation after it gets an
        /// identity layer (a 1 x 1 depthwise convolution).</summary>
        private void AddPool(OnnxNode node, ImportedLayerKind kind, ImportedGeometry geometry)
        {
            _layers.Add(ImportedLayer.Pool(kind, geometry, TakePad(node)));
            Advance(node, geometry.OutputShape);
        }

        /// <summary>What every convolution and pool checks first: its input is planes of one or two spatial axes that
        /// NetGen's convolutions can read, and a pending per-feature map becomes a layer before it (a map of one scale and
        /// shift per channel: a 1 x 1 depthwise convolution). Closes the layer before. Returns the spatial axes.</summary>
        private int BeginSpatial(OnnxNode node, string what)
        {
            int rank = _streamShape.Length;
            Expect(node, rank is 2 or 3, rank > 3
                ? $"its input has per-sample shape [{string.Join(", ", _streamShape)}], {rank - 1} spatial axes; NetGen's {what} takes [C, L] (1-D) or [C, H, W] (2-D)"
                : $"its input has per-sample shape [{string.Join(", ", _streamShape)}]; NetGen's {what} takes [C, L] (1-D) or [C, H, W] (2-D), channels first");
            Expect(node, _pad is null || what is "convolution" or "average pool", $"it reads the output of {_pad?.Source}; NetGen folds zero padding only into a Conv or an AveragePool right after it");
            CloseLayer();
            if (PlanesProblem() is { } problem)
            {
                throw new OnnxImportException(node, problem);
            }

            if (_preScale is not null)
            {
                double[]? scale = PerChannel(_preScale), shift = PerChannel(_preShift!);
                Expect(node, scale is not null && shift is not null,
                    $"the map before it ({_preSource}) differs within a channel; NetGen carries a map of one scale and shift per channel into a {what}, and folds other constants only into dense layers");
                _layers.Add(ChannelMap(scale!, shift!, _preSource));
                _preScale = _preShift = null;
            }

            return rank - 1;
        }

        /// <summary>Why the data path cannot be read as a convolution's planes, or null: NetGen's convolutions and pools
        /// read the input, or the output of a convolution or pool (through layer normalisations too); a dense layer's
        /// output is a vector to them. A layer normalisation as the first layer is refused too, because the converted
        /// model states the planes by its input shape.</summary>
        private string? PlanesProblem()
        {
            ImportedLayer? before = _layers.LastOrDefault(l => !l.IsLayerNorm);
            if (before is { IsSpatial: false })
            {
                return $"it reads the output of a dense layer ({before.Source}); NetGen's convolutions and pools read channels-first planes from the input or from a convolution or pool, not a dense layer's output reshaped";
            }

            return before is null && _layers.Count > 0
                ? $"it reads the output of a layer normalisation of the input ({_layers[0].Source}); NetGen's convolutions and pools read the input itself or a convolution's or pool's output"
                : null;
        }

        /// <summary>The geometry of a window over the data path's planes, with ONNX's defaults: strides and dilations 1, pads
        /// 0, auto_pad NOTSET. SAME_UPPER is recorded as NetGen's "same" padding; SAME_LOWER resolves to explicit padding
        /// with the extra zero first. ceil_mode is honoured where ONNX's and PyTorch's rules agree on the size.</summary>
        private ImportedGeometry Window(OnnxNode node, int dimensions, int outChannels, long[] kernel, bool pool)
        {
            long[] strides = Ints(node, "strides", dimensions, 1);
            long[] dilations = Ints(node, "dilations", dimensions, 1);
            long[] pads = Ints(node, "pads", 2 * dimensions, 0);
            string autoPad = node.Attributes.TryGetValue("auto_pad", out OnnxAttribute? a) && a.String.Length > 0 ? a.String : "NOTSET";
            bool ceil = pool && IntAttribute(node, "ceil_mode", 0) != 0;
            Expect(node, autoPad is "NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER", $"auto_pad '{autoPad}' is none of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
            Expect(node, autoPad == "NOTSET" || pads.All(p => p == 0), $"it has both auto_pad {autoPad} and pads [{string.Join(", ", pads)}]");
            Check(kernel, "kernel_shape", 1);
            Check(strides, "strides", 1);
            Check(dilations, "dilations", 1);
            Check(pads, "pads", 0);
            Expect(node, _pad is null || autoPad == "NOTSET", $"it has auto_pad {autoPad} after {_pad?.Source}; NetGen folds a Pad only into explicit pads");

            // Per axis: a 1-D layer's single axis is the width, with a height of 1 that nothing pads.
            var geometry = new ImportedGeometry
            {
                Dimensions = dimensions,
                InChannels = Planes[0],
                InHeight = dimensions == 2 ? Planes[1] : 1,
                InWidth = Planes[dimensions],
                OutChannels = outChannels,
                OutHeight = 1,
                KernelHeight = 1,
                StrideHeight = 1,
                CeilMode = ceil,
                Padding = autoPad == "SAME_UPPER" ? "same" : "explicit",
            };
            for (int axis = 0; axis < dimensions; axis++)
            {
                bool vertical = dimensions == 2 && axis == 0;
                int size = vertical ? geometry.InHeight : geometry.InWidth;
                int k = (int)kernel[axis], s = (int)strides[axis], d = (int)dilations[axis];
                (int before, int after) = autoPad switch
                {
                    "SAME_UPPER" => ConvolutionGeometry.Same(size, k, s, d),
                    "SAME_LOWER" => ConvolutionGeometry.Same(size, k, s, d, lower: true),
                    "VALID" => (0, 0),
                    _ => ((int)(pads[axis] + (_pad?.Begins[axis] ?? 0)), (int)(pads[axis + dimensions] + (_pad?.Ends[axis] ?? 0))),
                };
                int outputs = ConvolutionGeometry.OutputSize(size, k, s, d, before, after, ceil);
                string axisName = dimensions == 1 ? string.Empty : vertical ? " (height)" : " (width)";
                long span = (long)size + before + after - ((long)d * (k - 1)) - 1;
                Expect(node, outputs >= 1, $"its window of {((long)d * (k - 1)) + 1} does not fit its padded input of {(long)size + before + after}{axisName}");
                if (ceil)
                {
                    // ONNX's formula (up to opset 18) keeps a last window that starts in the end padding; PyTorch's, and
                    // NetGen's, drop it. Where they differ the model's own runtimes disagree, so it is refused.
                    long onnx = autoPad == "NOTSET" ? ((span + s - 1) / s) + 1 : ConvolutionGeometry.OutputSize(size, k, s, d, before, after, ceil: false);
                    Expect(node, onnx == outputs,
                        $"ceil_mode 1{axisName} gives {onnx} outputs by ONNX's rule and {outputs} by PyTorch's, which drops a last window that starts in the padding; export with ceil_mode=False or padding that avoids it");
                }

                if (pool)
                {
                    Expect(node, ConvolutionGeometry.EveryWindowTouchesInput(size, k, s, before, outputs),
                        $"pads [{before}, {after}]{axisName} leave a window of {k} holding padding only; NetGen's pools need at least one input in every window");
                }

                if (vertical)
                {
                    (geometry.KernelHeight, geometry.StrideHeight, geometry.DilationHeight, geometry.PadTop, geometry.PadBottom, geometry.OutHeight) = (k, s, d, before, after, outputs);
                }
                else
                {
                    (geometry.KernelWidth, geometry.StrideWidth, geometry.DilationWidth, geometry.PadLeft, geometry.PadRight, geometry.OutWidth) = (k, s, d, before, after, outputs);
                }
            }

            Size(geometry.OutputShape.Select(v => (long)v), node, "its output");
            return geometry;

            void Check(long[] values, string name, long minimum) =>
                Expect(node, values.All(v => v >= minimum && v <= MaxFeatures), $"{name} [{string.Join(", ", values)}] must be from {minimum} to {MaxFeatures}");
        }

        /// <summary>An INTS attribute of <paramref name="count"/> entries, or <paramref name="standard"/> repeated.</summary>
        private static long[] Ints(OnnxNode node, string name, int count, long standard)
        {
            if (!node.Attributes.TryGetValue(name, out OnnxAttribute? attribute))
            {
                return Enumerable.Repeat(standard, count).ToArray();
            }

            Expect(node, attribute.Ints.Count == count, $"{name} [{string.Join(", ", attribute.Ints)}] has {attribute.Ints.Count} entries, and this layer takes {count}");
            return attribute.Ints.ToArray();
        }

        /// <summary>Whether output <paramref name="index"/> of the node is read by a later node or is a graph output.</summary>
        private bool OutputUsed(OnnxNode node, int index)
        {
            if (index >= node.Outputs.Count || node.Outputs[index].Length == 0)
            {
                return false;
            }

            string name = node.Outputs[index];
            return _model.Graph.Nodes.Any(n => n.Inputs.Contains(name)) || _model.Graph.Outputs.Any(o => o.Name == name);
        }

        /// <summary>Whether the data path is the output of the convolution just opened, not reshaped since.</summary>
        private bool FollowsOpenConvolution() =>
            _open is { Kind: ImportedLayerKind.Convolution } && _preScale is null && _order is null && _streamShape.SequenceEqual(_open.Geometry!.OutputShape);

        /// <summary>One value per channel of the data path's planes, if <paramref name="values"/> (one per value, channel
        /// after channel) is constant within each channel; else null.</summary>
        private double[]? PerChannel(double[] values)
        {
            int channels = _streamShape[0], each = values.Length / channels;
            var result = new double[channels];
            for (int c = 0; c < channels; c++)
            {
                result[c] = values[c * each];
                for (int i = 1; i < each; i++)
                {
                    if (!values[(c * each) + i].Equals(result[c]))
                    {
                        return null;
                    }
                }
            }

            return result;
        }

        /// <summary><c>s (W x + b) + t</c> per output channel of a convolution: its filters and bias scaled and shifted.</summary>
        private static void ScaleChannels(ImportedLayer convolution, double[] scale, double[] shift)
        {
            int channels = convolution.Geometry!.OutChannels, each = convolution.Weight.Length / channels;
            convolution.Bias ??= new double[channels];
            for (int c = 0; c < channels; c++)
            {
                for (int i = 0; i < each; i++)
                {
                    convolution.Weight[(c * each) + i] *= scale[c];
                }

                convolution.Bias[c] = (convolution.Bias[c] * scale[c]) + shift[c];
            }
        }

        /// <summary>A 1 x 1 depthwise convolution over the data path's planes, <c>h = scale[c] x + shift[c]</c> in each
        /// channel: the identity (scale 1, shift 0) for an activation with no layer before it, or a per-channel map (a
        /// BatchNormalization after an activation) that keeps the values planes.</summary>
        private ImportedLayer ChannelMap(double[] scale, double[] shift, string source)
        {
            int dimensions = Planes.Length - 1, channels = Planes[0];
            int height = dimensions == 2 ? Planes[1] : 1, width = Planes[dimensions];
            var geometry = new ImportedGeometry
            {
                Dimensions = dimensions,
                InChannels = channels,
                InHeight = height,
                InWidth = width,
                OutChannels = channels,
                OutHeight = height,
                OutWidth = width,
                KernelHeight = 1,
                KernelWidth = 1,
                StrideHeight = 1,
                StrideWidth = 1,
                Groups = channels,
            };
            return ImportedLayer.Convolution(geometry, (double[])scale.Clone(), (double[])shift.Clone(), source);
        }

        private static double[] Ones(int n)
        {
            var ones = new double[n];
            for (int i = 0; i < n; i++)
            {
                ones[i] = 1;
            }

            return ones;
        }
    }
}
