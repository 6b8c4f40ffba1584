using System.Collections.Generic;
using System.Linq;
using NetGen.Training;

namespace NetGen.Samples.Digits;

/// <summary>Draws the training curves with ScottPlot: losses on the left axis, validation accuracy on the right.</summary>
internal static class Plot
{
    public static void Curves(IReadOnlyList<EpochReport> history, string path)
    {
        double[] epochs = history.Select(r => (double)r.Epoch).ToArray();
        var plot = new ScottPlot.Plot();
        var training = plot.Add.Scatter(epochs, history.Select(r => r.TrainingLoss).ToArray());
        training.LegendText = "training loss";
        var validation = plot.Add.Scatter(epochs, history.Select(r => r.ValidationLoss).ToArray());
        validation.LegendText = "validation loss";
        var accuracy = plot.Add.Scatter(epochs, history.Select(r => r.Metric * 100).ToArray());
        accuracy.LegendText = "validation accuracy (%)";
        accuracy.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Left.Label.Text = "cross-entropy loss";
        plot.Axes.Right.Label.Text = "accuracy (%)";
        plot.Axes.Bottom.Label.Text = "epoch";
        plot.Title("NetGen digits: 64-32-10, Adam");
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
        plot.SavePng(path, 800, 500);
    }
}
