namespace MaskStream.Kernels.Tests.Preprocess;

internal static class TestFrames
{
    /// <summary>
    /// The BGR binary-noise frame of generate_fixtures.py's test_image: every byte 0 or 255 from an integer hash
    /// of (x, y, channel), so the resize sees hard edges everywhere (PARITY §W2).
    /// </summary>
    public static byte[] BinaryNoise(int height, int width)
    {
        var bgr = new byte[height * width * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int k = 0; k < 3; k++)
                {
                    uint h = ((uint)x * 73856093u) ^ ((uint)y * 19349663u) ^ ((uint)k * 83492791u);
                    h *= 2654435761u;
                    bgr[(y * width + x) * 3 + k] = (byte)(((h >> 13) & 1u) * 255u);
                }
        return bgr;
    }
}
