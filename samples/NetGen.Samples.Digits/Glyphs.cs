using System;
using NetGen.Data;

namespace NetGen.Samples.Digits;

/// <summary>A digits data set made on the spot, in optdigits' format: each digit drawn from a 5x7 font onto a 32x32
/// canvas with a random shift, scale, slant and stroke width, 8% of pixels flipped as noise, then counted in 4x4 blocks
/// into 8x8 values of 0 to 16.</summary>
internal static class Glyphs
{
    private static readonly string[][] Font =
    [
        [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
        ["  #  ", " ##  ", "# #  ", "  #  ", "  #  ", "  #  ", "#####"],
        [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
        [" ### ", "#   #", "    #", "  ## ", "    #", "#   #", " ### "],
        ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
        ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
        ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
        ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
        [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
        [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
    ];

    public static Dataset<float> Generate(int count, int seed)
    {
        var random = new SplitMix64(seed);
        var inputs = new float[count * 64];
        var targets = new float[count * 10];
        var canvas = new bool[32, 32];
        for (int n = 0; n < count; n++)
        {
            int digit = n % 10;
            Draw(Font[digit], canvas, ref random);
            for (int by = 0; by < 8; by++)
            {
                for (int bx = 0; bx < 8; bx++)
                {
                    int on = 0;
                    for (int y = 0; y < 4; y++)
                    {
                        for (int x = 0; x < 4; x++)
                        {
                            on += canvas[(by * 4) + y, (bx * 4) + x] ? 1 : 0;
                        }
                    }

                    inputs[(n * 64) + (by * 8) + bx] = on / 16f;
                }
            }

            targets[(n * 10) + digit] = 1;
        }

        return new Dataset<float>(inputs, 64, targets, 10);
    }

    /// <summary>The same drawings as images of <paramref name="size"/> x <paramref name="size"/> values of 0 or 1 (the
    /// 32x32 canvas sampled at the nearest pixel), in MNIST's format, for convolutional networks.</summary>
    public static Dataset<float> GenerateImages(int count, int seed, int size = 28)
    {
        var random = new SplitMix64(seed);
        var inputs = new float[count * size * size];
        var targets = new float[count * 10];
        var canvas = new bool[32, 32];
        for (int n = 0; n < count; n++)
        {
            int digit = n % 10;
            Draw(Font[digit], canvas, ref random);
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    inputs[(n * size * size) + (y * size) + x] = canvas[y * 32 / size, x * 32 / size] ? 1f : 0f;
                }
            }

            targets[(n * 10) + digit] = 1;
        }

        return new Dataset<float>(inputs, size * size, targets, 10);
    }

    private static void Draw(string[] glyph, bool[,] canvas, ref SplitMix64 random)
    {
        Array.Clear(canvas);
        double scale = 3.2 + (1.2 * random.NextDouble());          // font cell size in canvas pixels
        double slant = (random.NextDouble() - 0.5) * 0.8;          // shear of x by y
        double pen = 1.2 + (1.3 * random.NextDouble());            // stroke radius
        double left = 16 - (2.5 * scale) + ((random.NextDouble() - 0.5) * 8);
        double top = 16 - (3.5 * scale) + ((random.NextDouble() - 0.5) * 8);
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                // Nearest font cell centre within the pen radius marks the pixel.
                double u = ((x - left + (slant * (y - 16))) / scale) - 0.5, v = ((y - top) / scale) - 0.5;
                for (int row = Math.Max(0, (int)Math.Floor(v - 1)); row <= Math.Min(6, (int)Math.Ceiling(v + 1)) && !canvas[y, x]; row++)
                {
                    for (int column = Math.Max(0, (int)Math.Floor(u - 1)); column <= Math.Min(4, (int)Math.Ceiling(u + 1)); column++)
                    {
                        if (glyph[row][column] == '#' && Math.Pow((u - column) * scale, 2) + Math.Pow((v - row) * scale, 2) <= pen * pen)
                        {
                            canvas[y, x] = true;
                            break;
                        }
                    }
                }

                if (random.NextDouble() < 0.08)
                {
                    canvas[y, x] = !canvas[y, x];
                }
            }
        }
    }
}
