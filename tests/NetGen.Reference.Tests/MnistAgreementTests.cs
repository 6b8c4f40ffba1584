using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Reference.Tests;

/// <summary>W4's accuracy bar: MNIST-10k (first 8,000 images to train, last 2,000 to test), 784-128-10, SGD with
/// learning rate 0.05 on mini-batches of 32 in order, 5 epochs, from the same initial weights: NetGen's batched training
/// (BackwardBatch) and TorchSharp's reach the same test accuracy within 0.5 points.</summary>
public class MnistAgreementTests
{
    private readonly ITestOutputHelper _output;

    public MnistAgreementTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public void BatchedSgd_ReachesTorchSharpsAccuracy_WithinHalfAPoint()
    {
        string folder = Path.GetFullPath(Path.Combine(NetGen.TestSupport.Repository.Root, "..", "shared", "data", "mnist"));
        string images = Path.Combine(folder, "t10k-images-idx3-ubyte.gz");
        Skip.IfNot(File.Exists(images), $"{images} is absent: this test needs ../shared/data beside the project root.");
        Dataset<float> all = IdxLoader.LoadMnist<float>(images, Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));
        Dataset<float> train = all.Select(Enumerable.Range(0, 8000).ToArray());
        Dataset<float> test = all.Select(Enumerable.Range(8000, 2000).ToArray());
        const int Epochs = 5, Batch = 32;
        const float LearningRate = 0.05f;

        var net = new MnistNet();
        torch.set_num_threads(1);
        using var mirror = new TorchMirror<float>(net); // the same network in TorchSharp, from the same initial weights
        using var optimizer = optim.SGD(mirror.Parameters, LearningRate);
        using Tensor x = tensor(train.Inputs, new long[] { 8000, 784 });
        using Tensor labels = tensor(Enumerable.Range(0, 8000).Select(s => (long)Classification.Class<float>(train.Target(s), Activation.Softmax)).ToArray());

        var sgd = new Sgd<float>(LearningRate);
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            for (int start = 0; start < 8000; start += Batch)
            {
                net.ZeroGradients();
                net.BackwardBatch(train.Inputs.AsSpan(start * 784, Batch * 784), train.Targets.AsSpan(start * 10, Batch * 10));
                sgd.Step(net.Parameters, net.Gradients, Batch);

                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                nn.functional.cross_entropy(mirror.Forward(x.narrow(0, start, Batch)).Logits, labels.narrow(0, start, Batch)).backward();
                optimizer.step();
            }
        }

        double netgen = Evaluation.Accuracy(net, test);
        double torchAccuracy;
        using (no_grad())
        {
            using Tensor testX = tensor(test.Inputs, new long[] { 2000, 784 });
            using Tensor predicted = mirror.Forward(testX).Logits.argmax(1);
            long[] classes = predicted.data<long>().ToArray();
            torchAccuracy = Enumerable.Range(0, 2000).Count(s => classes[s] == Classification.Class<float>(test.Target(s), Activation.Softmax)) / 2000.0;
        }

        _output.WriteLine($"After {Epochs} epochs: NetGen {netgen:P2}, TorchSharp {torchAccuracy:P2}");
        Assert.True(Math.Abs(netgen - torchAccuracy) <= 0.005, $"NetGen {netgen:P2} vs TorchSharp {torchAccuracy:P2}");
        Assert.True(netgen >= 0.9, $"NetGen reached only {netgen:P2}");
    }
}
