using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Training
{
    /// <summary>Updates parameters from the gradient that <c>Backward</c> accumulated over a mini-batch. Updates follow
    /// PyTorch's conventions (docs/maths.md#optimizers). They allocate nothing: their state is sized once, on the first step.</summary>
    /// <typeparam name="T">The network's precision.</typeparam>
    public interface IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Applies one update. <paramref name="gradientSum"/> is the sum over <paramref name="batchSize"/>
        /// samples; the step divides by the batch size once: <c>G = gradientSum / |B|</c>.</summary>
        void Step(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double learningRate);

        /// <summary>Forgets the state (momentum, moments, step count).</summary>
        void Reset();
    }

    /// <summary>Stochastic gradient descent with optional heavy-ball momentum, Nesterov momentum and L2 weight decay:
    /// <c>G += lambda theta</c>; <c>v = mu v + G</c>; <c>theta -= eta v</c> (Nesterov: <c>theta -= eta (G + mu v)</c>).</summary>
    public sealed class Sgd<T> : IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[]? _velocity;

        /// <summary>Creates the optimizer.</summary>
        /// <param name="momentum">mu, 0 for plain SGD.</param>
        /// <param name="nesterov">Use Nesterov momentum (needs a momentum above 0).</param>
        /// <param name="weightDecay">lambda, the L2 coefficient added to the gradient.</param>
        public Sgd(double momentum = 0, bool nesterov = false, double weightDecay = 0)
        {
            if (momentum < 0 || !double.IsFinite(momentum))
            {
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be a finite number of at least 0.");
            }

            if (nesterov && momentum == 0)
            {
                throw new ArgumentException("Nesterov momentum needs a momentum above 0.", nameof(nesterov));
            }

            if (weightDecay < 0 || !double.IsFinite(weightDecay))
            {
                throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be a finite number of at least 0.");
            }

            Momentum = momentum;
            Nesterov = nesterov;
            WeightDecay = weightDecay;
        }

        /// <summary>mu.</summary>
        public double Momentum { get; }

        /// <summary>Whether the update uses Nesterov momentum.</summary>
        public bool Nesterov { get; }

        /// <summary>lambda.</summary>
        public double WeightDecay { get; }

        /// <inheritdoc/>
        public void Step(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double learningRate)
        {
            OptimizerChecks.Arguments(parameters, gradientSum, batchSize, learningRate);
            T scale = T.One / T.CreateChecked(batchSize), eta = T.CreateChecked(learningRate);
            T mu = T.CreateChecked(Momentum), lambda = T.CreateChecked(WeightDecay);
            Span<T> v = Momentum == 0 ? default : OptimizerChecks.State(ref _velocity, parameters.Length);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                // The same update as the scalar loop below, Vector<T>.Count parameters at a time.
                Vector<T> vScale = new(scale), vEta = new(eta), vMu = new(mu), vLambda = new(lambda);
                for (; i <= parameters.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    Vector<T> theta = OptimizerChecks.Load(parameters, i);
                    Vector<T> g = (OptimizerChecks.Load(gradientSum, i) * vScale) + (vLambda * theta);
                    if (Momentum != 0)
                    {
                        Vector<T> velocity = (vMu * OptimizerChecks.Load(v, i)) + g;
                        OptimizerChecks.Store(velocity, v, i);
                        g = Nesterov ? g + (vMu * velocity) : velocity;
                    }

                    OptimizerChecks.Store(theta - (vEta * g), parameters, i);
                }
            }

            for (; i < parameters.Length; i++)
            {
                T g = (gradientSum[i] * scale) + (lambda * parameters[i]);
                if (Momentum != 0)
                {
                    v[i] = (mu * v[i]) + g;
                    g = Nesterov ? g + (mu * v[i]) : v[i];
                }

                parameters[i] -= eta * g;
            }
        }

        /// <inheritdoc/>
        public void Reset() => _velocity = null;
    }

    /// <summary>Adam (Kingma and Ba), and AdamW with decoupled weight decay:
    /// <c>m = b1 m + (1 - b1) G</c>; <c>v = b2 v + (1 - b2) G^2</c>;
    /// <c>theta -= eta m_hat / (sqrt(v_hat) + eps)</c> with bias-corrected moments. AdamW first applies
    /// <c>theta -= eta lambda theta</c>; plain Adam's weight decay adds <c>lambda theta</c> to G, as PyTorch's does.</summary>
    public sealed class Adam<T> : IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[]? _m;
        private T[]? _v;
        private int _t;

        /// <summary>Creates Adam (or AdamW when <paramref name="decoupledWeightDecay"/> is set).</summary>
        public Adam(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = false)
        {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 and beta2 must be in [0, 1), but they are {beta1} and {beta2}.");
            }

            if (!(epsilon > 0) || !(weightDecay >= 0) || !double.IsFinite(weightDecay))
            {
                throw new ArgumentOutOfRangeException(nameof(epsilon), $"epsilon must be above 0 and weight decay at least 0, but they are {epsilon} and {weightDecay}.");
            }

            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
            WeightDecay = weightDecay;
            DecoupledWeightDecay = decoupledWeightDecay;
        }

        /// <summary>AdamW: Adam with decoupled weight decay <paramref name="weightDecay"/> (PyTorch's default is 0.01).</summary>
        public static Adam<T> W(double weightDecay = 0.01, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) =>
            new(beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: true);

        /// <summary>beta1.</summary>
        public double Beta1 { get; }

        /// <summary>beta2.</summary>
        public double Beta2 { get; }

        /// <summary>eps.</summary>
        public double Epsilon { get; }

        /// <summary>lambda.</summary>
        public double WeightDecay { get; }

        /// <summary>Whether the weight decay is decoupled (AdamW).</summary>
        public bool DecoupledWeightDecay { get; }

        /// <summary>The number of steps taken, t.</summary>
        public int StepCount => _t;

        /// <inheritdoc/>
        public void Step(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double learningRate)
        {
            OptimizerChecks.Arguments(parameters, gradientSum, batchSize, learningRate);
            Span<T> m = OptimizerChecks.State(ref _m, parameters.Length);
            Span<T> v = OptimizerChecks.State(ref _v, parameters.Length);
            _t++;
            T scale = T.One / T.CreateChecked(batchSize), eta = T.CreateChecked(learningRate);
            T b1 = T.CreateChecked(Beta1), b2 = T.CreateChecked(Beta2), eps = T.CreateChecked(Epsilon);
            T lambda = T.CreateChecked(WeightDecay);
            T correction1 = T.One / T.CreateChecked(1 - Math.Pow(Beta1, _t));
            T correction2 = T.One / T.CreateChecked(1 - Math.Pow(Beta2, _t));
            T decay = T.One - (eta * lambda);
            T oneMinusB1 = T.One - b1, oneMinusB2 = T.One - b2;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                // The same update as the scalar loop below, Vector<T>.Count parameters at a time.
                Vector<T> vScale = new(scale), vEta = new(eta), vB1 = new(b1), vB2 = new(b2), vC1 = new(correction1), vC2 = new(correction2);
                Vector<T> vEps = new(eps), vLambda = new(lambda), vDecay = new(decay), vOneMinusB1 = new(oneMinusB1), vOneMinusB2 = new(oneMinusB2);
                for (; i <= parameters.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    Vector<T> theta = OptimizerChecks.Load(parameters, i);
                    Vector<T> g = OptimizerChecks.Load(gradientSum, i) * vScale;
                    if (DecoupledWeightDecay)
                    {
                        theta *= vDecay;
                    }
                    else
                    {
                        g += vLambda * theta;
                    }

                    Vector<T> first = (vB1 * OptimizerChecks.Load(m, i)) + (vOneMinusB1 * g);
                    Vector<T> second = (vB2 * OptimizerChecks.Load(v, i)) + (vOneMinusB2 * g * g);
                    OptimizerChecks.Store(first, m, i);
                    OptimizerChecks.Store(second, v, i);
                    OptimizerChecks.Store(theta - (vEta * (first * vC1) / (Vector.SquareRoot(second * vC2) + vEps)), parameters, i);
                }
            }

            for (; i < parameters.Length; i++)
            {
                T g = gradientSum[i] * scale;
                if (DecoupledWeightDecay)
                {
                    parameters[i] *= decay;
                }
                else
                {
                    g += lambda * parameters[i];
                }

                m[i] = (b1 * m[i]) + (oneMinusB1 * g);
                v[i] = (b2 * v[i]) + (oneMinusB2 * g * g);
                parameters[i] -= eta * (m[i] * correction1) / (T.Sqrt(v[i] * correction2) + eps);
            }
        }

        /// <inheritdoc/>
        public void Reset()
        {
            _m = null;
            _v = null;
            _t = 0;
        }
    }

    internal static class OptimizerChecks
    {
        public static void Arguments<T>(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double learningRate)
        {
            if (gradientSum.Length != parameters.Length)
            {
                throw new ArgumentException($"'gradientSum' must have the length of 'parameters', {parameters.Length}, but its length is {gradientSum.Length}.", nameof(gradientSum));
            }

            if (batchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
            }

            if (!(learningRate >= 0) || !double.IsFinite(learningRate))
            {
                throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a finite number of at least 0.");
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<T> Load<T>(ReadOnlySpan<T> span, int index) where T : unmanaged =>
            Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), index)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store<T>(Vector<T> value, Span<T> span, int index) where T : unmanaged =>
            Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), index)), value);

        public static Span<T> State<T>(ref T[]? state, int length)
        {
            if (state is null || state.Length != length)
            {
                state = new T[length];
            }

            return state;
        }
    }
}
