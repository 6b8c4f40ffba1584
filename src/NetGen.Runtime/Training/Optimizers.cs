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
        /// <summary>The learning rate eta, fixed when the optimizer is created (as PyTorch's <c>lr</c>). A schedule
        /// (<see cref="TrainerOptions.Schedule"/>) scales it per epoch through <c>rateFactor</c> without changing it.</summary>
        double LearningRate { get; }

        /// <summary>Applies one update at the rate <c>eta = LearningRate * rateFactor</c>. <paramref name="gradientSum"/>
        /// is the sum over <paramref name="batchSize"/> samples; the step divides by the batch size once:
        /// <c>G = gradientSum / |B|</c>.</summary>
        /// <param name="parameters">theta, updated in place.</param>
        /// <param name="gradientSum">The gradient summed over the batch, as <c>Backward</c> accumulates it.</param>
        /// <param name="batchSize">|B|, at least 1.</param>
        /// <param name="rateFactor">The schedule's factor for this step (PyTorch's <c>LambdaLR</c>); 1 uses
        /// <see cref="LearningRate"/> as it is. Finite and at least 0.</param>
        void Step(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double rateFactor = 1);

        /// <summary>Forgets the state (momentum, moments, step count).</summary>
        void Reset();
    }

    /// <summary>Stochastic gradient descent with optional heavy-ball momentum, Nesterov momentum and L2 weight decay:
    /// <c>G += lambda theta</c>; <c>v = mu v + G</c>; <c>theta -= eta v</c> (Nesterov: <c>theta -= eta (G + mu v)</c>).</summary>
    public sealed class Sgd<T> : IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[]? _velocity;

        /// <summary>Creates the optimizer. As PyTorch's <c>torch.optim.SGD</c>, the learning rate has no default.</summary>
        /// <param name="learningRate">eta, finite and at least 0.</param>
        /// <param name="momentum">mu, 0 for plain SGD.</param>
        /// <param name="nesterov">Use Nesterov momentum (needs a momentum above 0).</param>
        /// <param name="weightDecay">lambda, the L2 coefficient added to the gradient.</param>
        public Sgd(double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0)
        {
            LearningRate = OptimizerChecks.Rate(learningRate, nameof(learningRate));
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

        /// <inheritdoc/>
        public double LearningRate { get; }

        /// <summary>mu.</summary>
        public double Momentum { get; }

        /// <summary>Whether the update uses Nesterov momentum.</summary>
        public bool Nesterov { get; }

        /// <summary>lambda.</summary>
        public double WeightDecay { get; }

        /// <inheritdoc/>
        public void Step(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double rateFactor = 1)
        {
            double learningRate = OptimizerChecks.Arguments(parameters, gradientSum, batchSize, LearningRate, rateFactor);
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

    /// <summary>Adam (Kingma and Ba), as PyTorch's <c>torch.optim.Adam</c>: <c>m = b1 m + (1 - b1) G</c>;
    /// <c>v = b2 v + (1 - b2) G^2</c>; <c>theta -= eta m_hat / (sqrt(v_hat) + eps)</c> with bias-corrected moments
    /// <c>m_hat = m / (1 - b1^t)</c>, <c>v_hat = v / (1 - b2^t)</c>. Its weight decay is L2: <c>G += lambda theta</c>
    /// (for decoupled weight decay use <see cref="AdamW{T}"/>).</summary>
    public sealed class Adam<T> : IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly AdamMoments<T> _moments;

        /// <summary>Creates Adam with PyTorch's defaults.</summary>
        /// <param name="learningRate">eta; 1e-3 by default, as PyTorch's and Keras's.</param>
        /// <param name="beta1">b1, in [0, 1).</param>
        /// <param name="beta2">b2, in [0, 1).</param>
        /// <param name="epsilon">eps, above 0.</param>
        /// <param name="weightDecay">lambda, the L2 coefficient added to the gradient.</param>
        public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        {
            LearningRate = OptimizerChecks.Rate(learningRate, nameof(learningRate));
            _moments = new AdamMoments<T>(beta1, beta2, epsilon, weightDecay);
        }

        /// <inheritdoc/>
        public double LearningRate { get; }

        /// <summary>b1.</summary>
        public double Beta1 => _moments.Beta1;

        /// <summary>b2.</summary>
        public double Beta2 => _moments.Beta2;

        /// <summary>eps.</summary>
        public double Epsilon => _moments.Epsilon;

        /// <summary>lambda.</summary>
        public double WeightDecay => _moments.WeightDecay;

        /// <summary>The number of steps taken, t.</summary>
        public int StepCount => _moments.StepCount;

        /// <inheritdoc/>
        public void Step(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double rateFactor = 1) =>
            _moments.Step(parameters, gradientSum, batchSize, OptimizerChecks.Arguments(parameters, gradientSum, batchSize, LearningRate, rateFactor), decoupled: false);

        /// <inheritdoc/>
        public void Reset() => _moments.Reset();
    }

    /// <summary>AdamW (Loshchilov and Hutter), as PyTorch's <c>torch.optim.AdamW</c>: Adam with decoupled weight decay,
    /// applied to the parameters before the Adam update, <c>theta *= 1 - eta lambda</c>, instead of being added to G.</summary>
    public sealed class AdamW<T> : IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly AdamMoments<T> _moments;

        /// <summary>Creates AdamW with PyTorch's defaults.</summary>
        /// <param name="learningRate">eta; 1e-3 by default, as PyTorch's.</param>
        /// <param name="weightDecay">lambda, the decoupled decay; 0.01 by default, as PyTorch's.</param>
        /// <param name="beta1">b1, in [0, 1).</param>
        /// <param name="beta2">b2, in [0, 1).</param>
        /// <param name="epsilon">eps, above 0.</param>
        public AdamW(double learningRate = 1e-3, double weightDecay = 0.01, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        {
            LearningRate = OptimizerChecks.Rate(learningRate, nameof(learningRate));
            _moments = new AdamMoments<T>(beta1, beta2, epsilon, weightDecay);
        }

        /// <inheritdoc/>
        public double LearningRate { get; }

        /// <summary>b1.</summary>
        public double Beta1 => _moments.Beta1;

        /// <summary>b2.</summary>
        public double Beta2 => _moments.Beta2;

        /// <summary>eps.</summary>
        public double Epsilon => _moments.Epsilon;

        /// <summary>lambda, the decoupled weight decay.</summary>
        public double WeightDecay => _moments.WeightDecay;

        /// <summary>The number of steps taken, t.</summary>
        public int StepCount => _moments.StepCount;

        /// <inheritdoc/>
        public void Step(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double rateFactor = 1) =>
            _moments.Step(parameters, gradientSum, batchSize, OptimizerChecks.Arguments(parameters, gradientSum, batchSize, LearningRate, rateFactor), decoupled: true);

        /// <inheritdoc/>
        public void Reset() => _moments.Reset();
    }

    /// <summary>The state and update shared by <see cref="Adam{T}"/> and <see cref="AdamW{T}"/>: the moments m and v,
    /// the step count t, and one update that differs only in where the weight decay goes.</summary>
    internal sealed class AdamMoments<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[]? _m;
        private T[]? _v;

        public AdamMoments(double beta1, double beta2, double epsilon, double weightDecay)
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
        }

        public double Beta1 { get; }

        public double Beta2 { get; }

        public double Epsilon { get; }

        public double WeightDecay { get; }

        public int StepCount { get; private set; }

        /// <summary>One update at rate <paramref name="learningRate"/> (arguments already checked). Decoupled (AdamW):
        /// <c>theta *= 1 - eta lambda</c> first; otherwise <c>G += lambda theta</c>.</summary>
        public void Step(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double learningRate, bool decoupled)
        {
            Span<T> m = OptimizerChecks.State(ref _m, parameters.Length);
            Span<T> v = OptimizerChecks.State(ref _v, parameters.Length);
            StepCount++;
            var c = new AdamConstants<T>(this, batchSize, learningRate);
            int i = Vector.IsHardwareAccelerated ? StepVectorized(parameters, gradientSum, m, v, in c, decoupled) : 0;
            for (; i < parameters.Length; i++)
            {
                T g = gradientSum[i] * c.Scale;
                if (decoupled)
                {
                    parameters[i] *= c.Decay;
                }
                else
                {
                    g += c.Lambda * parameters[i];
                }

                m[i] = (c.B1 * m[i]) + (c.OneMinusB1 * g);
                v[i] = (c.B2 * v[i]) + (c.OneMinusB2 * g * g);
                parameters[i] -= c.Eta * (m[i] * c.Correction1) / (T.Sqrt(v[i] * c.Correction2) + c.Eps);
            }
        }

        public void Reset()
        {
            _m = null;
            _v = null;
            StepCount = 0;
        }

        /// <summary>The same update as the scalar loop of <see cref="Step"/>, Vector&lt;T&gt;.Count parameters at a time;
        /// returns where the scalar loop takes over.</summary>
        private static int StepVectorized(Span<T> parameters, ReadOnlySpan<T> gradientSum, Span<T> m, Span<T> v, in AdamConstants<T> c, bool decoupled)
        {
            Vector<T> vScale = new(c.Scale), vEta = new(c.Eta), vB1 = new(c.B1), vB2 = new(c.B2), vC1 = new(c.Correction1), vC2 = new(c.Correction2);
            Vector<T> vEps = new(c.Eps), vLambda = new(c.Lambda), vDecay = new(c.Decay), vOneMinusB1 = new(c.OneMinusB1), vOneMinusB2 = new(c.OneMinusB2);
            int i = 0;
            for (; i <= parameters.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> theta = OptimizerChecks.Load(parameters, i);
                Vector<T> g = OptimizerChecks.Load(gradientSum, i) * vScale;
                if (decoupled)
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

            return i;
        }
    }

    /// <summary>The scalars of one Adam step, in the network's precision, computed once per step.</summary>
    internal readonly struct AdamConstants<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public readonly T Scale, Eta, B1, B2, Eps, Lambda, Correction1, Correction2, Decay, OneMinusB1, OneMinusB2;

        public AdamConstants(AdamMoments<T> moments, int batchSize, double learningRate)
        {
            Scale = T.One / T.CreateChecked(batchSize);
            Eta = T.CreateChecked(learningRate);
            B1 = T.CreateChecked(moments.Beta1);
            B2 = T.CreateChecked(moments.Beta2);
            Eps = T.CreateChecked(moments.Epsilon);
            Lambda = T.CreateChecked(moments.WeightDecay);
            Correction1 = T.One / T.CreateChecked(1 - Math.Pow(moments.Beta1, moments.StepCount));
            Correction2 = T.One / T.CreateChecked(1 - Math.Pow(moments.Beta2, moments.StepCount));
            Decay = T.One - (Eta * Lambda);
            OneMinusB1 = T.One - B1;
            OneMinusB2 = T.One - B2;
        }
    }

    internal static class OptimizerChecks
    {
        /// <summary>Checks a step's arguments and returns its rate, <c>learningRate * rateFactor</c>.</summary>
        public static double Arguments<T>(Span<T> parameters, ReadOnlySpan<T> gradientSum, int batchSize, double learningRate, double rateFactor)
        {
            if (gradientSum.Length != parameters.Length)
            {
                throw new ArgumentException($"'gradientSum' must have the length of 'parameters', {parameters.Length}, but its length is {gradientSum.Length}.", nameof(gradientSum));
            }

            if (batchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
            }

            if (!(rateFactor >= 0) || !double.IsFinite(rateFactor))
            {
                throw new ArgumentOutOfRangeException(nameof(rateFactor), rateFactor, "The rate factor must be a finite number of at least 0.");
            }

            return Rate(learningRate * rateFactor, nameof(rateFactor));
        }

        /// <summary>Returns <paramref name="learningRate"/> if it is finite and at least 0, and throws otherwise.</summary>
        public static double Rate(double learningRate, string parameterName) => learningRate >= 0 && double.IsFinite(learningRate)
            ? learningRate
            : throw new ArgumentOutOfRangeException(parameterName, learningRate, "The learning rate must be a finite number of at least 0.");

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
