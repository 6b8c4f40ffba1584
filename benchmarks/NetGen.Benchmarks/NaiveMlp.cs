using System;

namespace NetGen.Benchmarks;

/// <summary>The baseline a user writes by hand: run-time sizes, <c>float[]</c> weights (row-major, [out][in]) and nested
/// loops. Buffers are allocated once, so the comparison is of the arithmetic, not of the garbage collector.</summary>
public sealed class NaiveMlp
{
    public enum Kind { Identity, Tanh, ReLU, Softmax }

    private readonly int[] _sizes;
    private readonly Kind[] _activations;
    private readonly float[][] _w, _b, _dw, _db, _a, _h, _delta;

    public NaiveMlp(int[] sizes, Kind[] activations, int seed = 1)
    {
        _sizes = sizes;
        _activations = activations;
        int layers = sizes.Length - 1;
        _w = new float[layers][]; _b = new float[layers][]; _dw = new float[layers][]; _db = new float[layers][];
        _a = new float[layers][]; _h = new float[layers + 1][]; _delta = new float[layers][];
        var random = new Random(seed);
        for (int k = 0; k < layers; k++)
        {
            _w[k] = new float[sizes[k + 1] * sizes[k]];
            for (int i = 0; i < _w[k].Length; i++)
            {
                _w[k][i] = (float)((random.NextDouble() * 2 - 1) * Math.Sqrt(6.0 / (sizes[k] + sizes[k + 1])));
            }

            _b[k] = new float[sizes[k + 1]];
            _dw[k] = new float[_w[k].Length];
            _db[k] = new float[sizes[k + 1]];
            _a[k] = new float[sizes[k + 1]];
            _h[k + 1] = new float[sizes[k + 1]];
            _delta[k] = new float[sizes[k + 1]];
        }
    }

    public float[] Forward(float[] x)
    {
        _h[0] = x;
        for (int k = 0; k < _w.Length; k++)
        {
            int n = _sizes[k], m = _sizes[k + 1];
            for (int i = 0; i < m; i++)
            {
                float sum = _b[k][i];
                for (int j = 0; j < n; j++)
                {
                    sum += _w[k][i * n + j] * _h[k][j];
                }

                _a[k][i] = sum;
            }

            Activate(_activations[k], _a[k], _h[k + 1]);
        }

        return _h[^1];
    }

    /// <summary>Forward, output gradient (y - d: MSE with identity, or cross-entropy with softmax), backpropagation, and
    /// a plain SGD update.</summary>
    public void TrainStep(float[] x, float[] d, float learningRate)
    {
        float[] y = Forward(x);
        int last = _w.Length - 1;
        for (int i = 0; i < y.Length; i++)
        {
            _delta[last][i] = y[i] - d[i];
        }

        for (int k = last; k >= 0; k--)
        {
            int n = _sizes[k], m = _sizes[k + 1];
            for (int i = 0; i < m; i++)
            {
                _db[k][i] = _delta[k][i];
                for (int j = 0; j < n; j++)
                {
                    _dw[k][i * n + j] = _delta[k][i] * _h[k][j];
                }
            }

            if (k > 0)
            {
                for (int j = 0; j < n; j++)
                {
                    float sum = 0;
                    for (int i = 0; i < m; i++)
                    {
                        sum += _w[k][i * n + j] * _delta[k][i];
                    }

                    float h = _h[k][j];
                    _delta[k - 1][j] = _activations[k - 1] switch
                    {
                        Kind.Tanh => sum * (1 - h * h),
                        Kind.ReLU => _a[k - 1][j] > 0 ? sum : 0,
                        _ => sum,
                    };
                }
            }
        }

        for (int k = 0; k <= last; k++)
        {
            for (int i = 0; i < _w[k].Length; i++)
            {
                _w[k][i] -= learningRate * _dw[k][i];
            }

            for (int i = 0; i < _b[k].Length; i++)
            {
                _b[k][i] -= learningRate * _db[k][i];
            }
        }
    }

    private static void Activate(Kind kind, float[] a, float[] h)
    {
        switch (kind)
        {
            case Kind.Tanh:
                for (int i = 0; i < a.Length; i++) h[i] = MathF.Tanh(a[i]);
                break;
            case Kind.ReLU:
                for (int i = 0; i < a.Length; i++) h[i] = MathF.Max(0, a[i]);
                break;
            case Kind.Softmax:
                float max = float.NegativeInfinity, sum = 0;
                for (int i = 0; i < a.Length; i++) max = MathF.Max(max, a[i]);
                for (int i = 0; i < a.Length; i++) sum += h[i] = MathF.Exp(a[i] - max);
                for (int i = 0; i < a.Length; i++) h[i] /= sum;
                break;
            default:
                Array.Copy(a, h, a.Length);
                break;
        }
    }
}
