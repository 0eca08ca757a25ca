using System.Diagnostics;
using System.Text;
using BlenderFarm.Blender.Output;

namespace BlenderFarm.Integration.Tests.Blender.Output;

/// <summary>Checks the verifier against frames real Blender renders once (64x48, Cycles, 4 samples) and saves in every format it can write.</summary>
[TestFixture]
[Category("Blender")]
public sealed class FrameFileVerifierTests
{
    /// <summary>What Blender must be able to write; anything else it cannot write in this build is skipped.</summary>
    private static readonly string[] Required =
        ["PNG", "PNG_INTERLACED", "JPEG", "OPEN_EXR", "OPEN_EXR_MULTILAYER", "OPEN_EXR_MULTIPART", "OPEN_EXR_TILED", "BMP", "TIFF", "TARGA", "HDR"];

    public static readonly Sample[] Samples =
    [
        new("PNG", "PNG", "png", "color_mode='RGBA', color_depth='8', compression=15"),
        new("PNG_16", "PNG", "png", "color_mode='RGB', color_depth='16'"),
        new("PNG_BW", "PNG", "png", "color_mode='BW', color_depth='8'"),
        new("PNG_INTERLACED", "PNG", "png", null), // Adam7, written by the script from PNG's pixels in several IDAT chunks
        new("PNG_INTERLACED_5x3", "PNG", "png", null, 5, 3), // the same cropped so that some Adam7 passes are empty
        new("JPEG", "JPEG", "jpg", "color_mode='RGB', quality=90"),
        new("JPEG2000", "JPEG2000", "jp2", "jpeg2k_codec='JP2', color_depth='8'"),
        new("JPEG2000_J2K", "JPEG2000", "j2c", "jpeg2k_codec='J2K', color_depth='16'"),
        new("BMP", "BMP", "bmp", "color_mode='RGB'"),
        new("IRIS", "IRIS", "rgb", "color_mode='RGB'"),
        new("TARGA", "TARGA", "tga", "color_mode='RGB'"),
        new("TARGA_RGBA", "TARGA", "tga", "color_mode='RGBA'"),
        new("TARGA_RAW", "TARGA_RAW", "tga", "color_mode='RGB'"),
        new("CINEON", "CINEON", "cin", ""),
        new("DPX", "DPX", "dpx", "color_mode='RGB', color_depth='10'"),
        new("DPX_16", "DPX", "dpx", "color_mode='RGBA', color_depth='16'"),
        new("OPEN_EXR", "OPEN_EXR", "exr", "color_depth='16', exr_codec='ZIP'"),
        new("OPEN_EXR_NONE", "OPEN_EXR", "exr", "color_depth='32', exr_codec='NONE'"),
        new("OPEN_EXR_PIZ", "OPEN_EXR", "exr", "color_depth='16', exr_codec='PIZ'"),
        new("OPEN_EXR_DWAA", "OPEN_EXR", "exr", "color_depth='16', exr_codec='DWAA'"),
        new("OPEN_EXR_MULTILAYER", "OPEN_EXR_MULTILAYER", "exr", "color_depth='32', exr_codec='ZIP'"),
        // Blender writes neither multi-part nor tiled EXR: the script writes these by hand and reads the tiled ones back through Blender.
        new("OPEN_EXR_MULTIPART", "OPEN_EXR_MULTILAYER", "exr", null),
        new("OPEN_EXR_TILED", "OPEN_EXR", "exr", null),
        new("OPEN_EXR_TILED_MIPMAP", "OPEN_EXR", "exr", null),
        new("OPEN_EXR_TILED_RIPMAP_UP", "OPEN_EXR", "exr", null),
        new("HDR", "HDR", "hdr", "color_mode='RGB'"),
        new("TIFF", "TIFF", "tif", "color_mode='RGBA', color_depth='8', tiff_codec='DEFLATE'"),
        new("TIFF_NONE", "TIFF", "tif", "color_mode='RGB', color_depth='16', tiff_codec='NONE'"),
        new("TIFF_PACKBITS", "TIFF", "tif", "color_mode='RGB', color_depth='8', tiff_codec='PACKBITS'"),
        new("WEBP", "WEBP", "webp", "color_mode='RGB', quality=90"),
        new("WEBP_LOSSLESS", "WEBP", "webp", "color_mode='RGBA', quality=100"),
    ];

    private static readonly string[] Formats =
    [
        "PNG", "JPEG", "JPEG2000", "BMP", "IRIS", "TARGA", "TARGA_RAW", "CINEON", "DPX", "OPEN_EXR", "OPEN_EXR_MULTILAYER", "HDR", "TIFF", "WEBP",
    ];

    private const string Script = """
        import bpy, os, struct, sys, zlib

        out = sys.argv[sys.argv.index("--") + 1]
        scene = bpy.context.scene
        scene.render.engine = "CYCLES"
        scene.cycles.device = "CPU"
        scene.cycles.samples = 4
        scene.cycles.use_denoising = False
        scene.render.resolution_x = 64
        scene.render.resolution_y = 48
        scene.render.resolution_percentage = 100
        bpy.ops.render.render()
        result = bpy.data.images["Render Result"]
        settings = scene.render.image_settings

        for name, file_format, extension, extra in SAMPLES:
            if extra is None:
                continue
            path = os.path.join(out, name + "." + extension)
            try:
                settings.file_format = file_format
                for key, value in extra.items():
                    setattr(settings, key, value)
                result.save_render(filepath=path)
                print("SAVED", name, flush=True)
            except Exception as e:
                print("SKIPPED", name, e, flush=True)

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        def write_interlaced(name, rows, width, height):
            raw = bytearray()
            for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
                if x0 >= width:
                    continue
                for y in range(y0, height, dy):
                    raw.append(0)
                    for x in range(x0, width, dx):
                        raw += rows[y][x * 4:x * 4 + 4]
            data = zlib.compress(bytes(raw), 9)
            idat = b"".join(chunk(b"IDAT", data[i:i + 700]) for i in range(0, len(data), 700))
            ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 1)
            path = os.path.join(out, name + ".png")
            with open(path, "wb") as f:
                f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b""))
            # Blender's own PNG reader must see the same pixels, or the sample (not the verifier) is wrong.
            check = bpy.data.images.load(path)
            pixels = [round(v * 255) for v in check.pixels]
            expected = [rows[height - 1 - y // (width * 4)][y % (width * 4)] for y in range(width * height * 4)]
            if tuple(check.size) != (width, height) or pixels != expected:
                raise RuntimeError(name + " does not read back")
            print("SAVED", name, flush=True)

        source = bpy.data.images.load(os.path.join(out, "PNG.png"))
        width, height = source.size
        values = [round(v * 255) for v in source.pixels]
        rows = [bytes(values[(height - 1 - y) * width * 4:(height - y) * width * 4]) for y in range(height)]
        write_interlaced("PNG_INTERLACED", rows, width, height)
        write_interlaced("PNG_INTERLACED_5x3", [row[:5 * 4] for row in rows[:3]], 5, 3)

        # OpenEXR by hand: one half-float Y channel, no compression, a gradient that the read-back compares.
        def attr(name, kind, data):
            return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(data)) + data

        def exr_header(width, height, extra):
            box = struct.pack("<iiii", 0, 0, width - 1, height - 1)
            channels = b"Y\0" + struct.pack("<iB3xii", 1, 0, 1, 1) + b"\0"
            return (attr("channels", "chlist", channels) + attr("compression", "compression", b"\0")
                    + attr("dataWindow", "box2i", box) + attr("displayWindow", "box2i", box)
                    + attr("lineOrder", "lineOrder", b"\0") + attr("pixelAspectRatio", "float", struct.pack("<f", 1))
                    + attr("screenWindowCenter", "v2f", struct.pack("<ff", 0, 0)) + attr("screenWindowWidth", "float", struct.pack("<f", 1))
                    + extra + b"\0")

        def value(x, y):
            return (x + 2 * y) / 256

        def exr_pixels(xs, y):
            return b"".join(struct.pack("<e", value(x, y)) for x in xs)

        def write_exr(name, flags, headers, parts, read_back):
            data = bytearray(struct.pack("<ii", 20000630, 2 | flags))
            for header in headers:
                data += header
            if flags & 0x1000:
                data += b"\0"
            table = len(data)
            count = sum(len(chunks) for chunks in parts)
            data += bytes(8 * count)
            offsets = []
            for chunks in parts:
                for prefix, body in chunks:
                    offsets.append(len(data))
                    data += prefix + struct.pack("<i", len(body)) + body
            struct.pack_into("<%dQ" % count, data, table, *offsets)
            path = os.path.join(out, name + ".exr")
            with open(path, "wb") as f:
                f.write(data)
            if read_back:  # Blender loads multi-part files as multilayer images, whose pixels Python cannot see
                check = bpy.data.images.load(path)
                got = list(check.pixels)
                w, h = check.size
                if (w, h) != (64, 48) or any(abs(got[((h - 1 - y) * w + x) * 4] - value(x, y)) > 1e-3 for y in range(h) for x in range(w)):
                    raise RuntimeError(name + " does not read back")
            print("SAVED", name, flush=True)

        def write_multipart(name, width, height):
            headers, parts = [], []
            for part in range(2):
                extra = (attr("name", "string", b"view%d" % part) + attr("type", "string", b"scanlineimage")
                         + attr("chunkCount", "int", struct.pack("<i", height)))
                headers.append(exr_header(width, height, extra))
                parts.append([(struct.pack("<ii", part, y), exr_pixels(range(width), y)) for y in range(height)])
            write_exr(name, 0x1000, headers, parts, read_back=False)

        def write_tiled(name, width, height, tile, mode, round_up):
            # Single-part tiled files need no chunkCount, so the verifier has to work the tile count out from the levels.
            def levels(size):
                n = 0
                while ((1 << n) < size) if round_up else ((size >> (n + 1)) > 0):
                    n += 1
                return n + 1
            def level_size(size, level):
                return max(((size + (1 << level) - 1) >> level) if round_up else (size >> level), 1)
            if mode == 0:
                pairs = [(0, 0)]
            elif mode == 1:
                pairs = [(l, l) for l in range(levels(max(width, height)))]
            else:
                pairs = [(lx, ly) for ly in range(levels(height)) for lx in range(levels(width))]
            chunks = []
            for lx, ly in pairs:
                w, h = level_size(width, lx), level_size(height, ly)
                for ty in range((h + tile - 1) // tile):
                    for tx in range((w + tile - 1) // tile):
                        xs = range(tx * tile, min(w, tx * tile + tile))
                        body = b"".join(exr_pixels(xs, y) for y in range(ty * tile, min(h, ty * tile + tile)))
                        chunks.append((struct.pack("<iiii", tx, ty, lx, ly), body))
            tiles = attr("tiles", "tiledesc", struct.pack("<IIB", tile, tile, mode | (0x10 if round_up else 0)))
            write_exr(name, 0x200, [exr_header(width, height, tiles)], [chunks], read_back=True)

        write_multipart("OPEN_EXR_MULTIPART", 64, 48)
        write_tiled("OPEN_EXR_TILED", 64, 48, 16, 0, False)
        write_tiled("OPEN_EXR_TILED_MIPMAP", 64, 48, 16, 1, False)
        write_tiled("OPEN_EXR_TILED_RIPMAP_UP", 64, 48, 16, 2, True)
        """;

    /// <summary>How the verifier reports an exception that escaped a format check, which is a bug in the check.</summary>
    private const string UnexpectedException = "could not be verified";

    private string directory = "";
    private readonly HashSet<string> saved = [];
    private int scratchCounter;

    public sealed record Sample(string Name, string Format, string Extension, string? PythonSettings, int Width = 64, int Height = 48)
    {
        public override string ToString() => Name;
    }

    [OneTimeSetUp]
    public async Task RenderSamplesAsync()
    {
        directory = Directory.CreateTempSubdirectory("frame-verifier-").FullName;
        var samples = string.Join(
            ",\n",
            Samples.Select(s => $"    ({Quote(s.Name)}, {Quote(s.Format)}, {Quote(s.Extension)}, {(s.PythonSettings is null ? "None" : $"dict({s.PythonSettings})")})"));
        var scriptPath = Path.Combine(directory, "render_samples.py");
        await File.WriteAllTextAsync(scriptPath, $"SAMPLES = [\n{samples},\n]\n{Script}\n");

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("BLENDER") ?? "blender")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-b", "--factory-startup", "--python-exit-code", "1", "--python", scriptPath, "--", directory })
        {
            start.ArgumentList.Add(arg);
        }

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Ignore($"Blender could not be started: {ex.Message}");
            return;
        }

        using (process)
        {
            Assert.That(process, Is.Not.Null);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            var stdout = process!.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("Blender took more than 5 minutes to render the samples");
            }

            var output = await stdout + await stderr;
            Assert.That(process.ExitCode, Is.Zero, output);
            foreach (var line in output.Split('\n'))
            {
                if (line.StartsWith("SAVED ", StringComparison.Ordinal))
                {
                    saved.Add(line[6..].Trim());
                }
                else if (line.StartsWith("SKIPPED ", StringComparison.Ordinal))
                {
                    TestContext.Progress.WriteLine($"Blender could not write {line[8..]}");
                }
            }

            Assert.That(saved, Is.SupersetOf(Required), output);
        }
    }

    [OneTimeTearDown]
    public void DeleteSamples()
    {
        if (directory.Length > 0 && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestCaseSource(nameof(Samples))]
    public void RenderedFrameVerifies(Sample sample)
    {
        var path = PathOf(sample);

        var check = FrameFileVerifier.Verify(path, sample.Format, sample.Width, sample.Height);

        Assert.That(check, Is.EqualTo(new FrameCheck(true, null, new FileInfo(path).Length, sample.Width, sample.Height)));
    }

    [TestCaseSource(nameof(Samples))]
    public void WrongExpectedSizeFailsNamingBothSizes(Sample sample)
    {
        var check = FrameFileVerifier.Verify(PathOf(sample), sample.Format, sample.Width + 1, sample.Height);

        Assert.That(check.Ok, Is.False);
        Assert.That(check.Problem, Does.Contain($"{sample.Width}x{sample.Height}").And.Contain($"{sample.Width + 1}x{sample.Height}"));
        Assert.That((check.Width, check.Height), Is.EqualTo((sample.Width, sample.Height)));
    }

    [TestCaseSource(nameof(Samples))]
    public void FileTruncatedToHalfFails(Sample sample)
    {
        var bytes = File.ReadAllBytes(PathOf(sample));
        var path = Scratch(sample.Extension, bytes.AsSpan(0, bytes.Length / 2));

        var check = FrameFileVerifier.Verify(path, sample.Format, sample.Width, sample.Height);

        Assert.That(check.Ok, Is.False, "a half file verified");
        Assert.That(check.Problem, Is.Not.Empty);
        Assert.That(check.Bytes, Is.EqualTo(bytes.Length / 2));
    }

    /// <summary>Stronger than the half file: a frame cut anywhere, down to its last byte, must never pass.</summary>
    [TestCaseSource(nameof(Samples))]
    public void FileCutAnywhereFails(Sample sample)
    {
        var bytes = File.ReadAllBytes(PathOf(sample));
        var cuts = Enumerable.Range(0, 64).Select(i => (long)bytes.Length * i / 64).Concat([bytes.Length - 1, bytes.Length - 2, bytes.Length - 3]);
        var path = Path.Combine(directory, "cut." + sample.Extension);
        using (Assert.EnterMultipleScope())
        {
            foreach (var cut in cuts.Distinct())
            {
                File.WriteAllBytes(path, bytes.AsSpan(0, (int)cut));
                var check = FrameFileVerifier.Verify(path, sample.Format, sample.Width, sample.Height);
                Assert.That(check.Ok, Is.False, $"cut to {cut} of {bytes.Length} bytes verified");
            }
        }
    }

    [TestCaseSource(nameof(Samples))]
    public void FileVerifiedAsAnotherFormatFails(Sample sample)
    {
        var path = PathOf(sample);
        using (Assert.EnterMultipleScope())
        {
            foreach (var format in Formats.Where(f => Family(f) != Family(sample.Format)))
            {
                var check = FrameFileVerifier.Verify(path, format, sample.Width, sample.Height);
                Assert.That(check.Ok, Is.False, $"{sample.Name} verified as {format}");
            }
        }
    }

    /// <summary>Damaged real files: whatever the verdict, it must come back as a verdict, never an exception, and carry a problem when not Ok.</summary>
    [TestCaseSource(nameof(Samples))]
    public void MutatedFileNeverThrows(Sample sample)
    {
        var original = File.ReadAllBytes(PathOf(sample));
        var random = new Random(sample.Name.Length * 7919);
        var path = Path.Combine(directory, "mutated." + sample.Extension);
        for (var round = 0; round < 200; round++)
        {
            var bytes = (byte[])original.Clone();
            for (var n = random.Next(1, 9); n > 0; n--)
            {
                // Bias towards the header, where the sizes and offsets live.
                var at = random.Next(2) == 0 ? random.Next(Math.Min(bytes.Length, 1024)) : random.Next(bytes.Length);
                bytes[at] = (byte)random.Next(256);
            }

            File.WriteAllBytes(path, bytes);
            FrameCheck check = null!;
            Assert.DoesNotThrow(() => check = FrameFileVerifier.Verify(path, sample.Format, sample.Width, sample.Height));
            Assert.That(check.Problem is null, Is.EqualTo(check.Ok), check.Problem);
            Assert.That(check.Problem, Does.Not.StartWith(UnexpectedException), "a format check threw");
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void ZeroByteFileFails(string format)
    {
        var path = Scratch("empty", []);

        var check = FrameFileVerifier.Verify(path, format, 64, 48);

        Assert.That(check, Is.EqualTo(new FrameCheck(false, "file is empty", 0, 0, 0)));
    }

    [TestCaseSource(nameof(Formats))]
    public void RandomBytesFailWithoutThrowing(string format)
    {
        var random = new Random(format.Length);
        var path = Path.Combine(directory, "random.bin");
        foreach (var length in new[] { 1, 2, 3, 4, 7, 8, 12, 16, 18, 54, 100, 512, 1000, 4096, 20000 })
        {
            for (var round = 0; round < 5; round++)
            {
                var bytes = new byte[length];
                random.NextBytes(bytes);
                File.WriteAllBytes(path, bytes);
                FrameCheck check = null!;
                Assert.DoesNotThrow(() => check = FrameFileVerifier.Verify(path, format, 64, 48));
                Assert.That(check.Ok, Is.False, $"{length} random bytes verified as {format}");
                Assert.That(check.Problem, Is.Not.Empty.And.Not.StartWith(UnexpectedException), "a format check threw");
            }
        }
    }

    [Test]
    public void PngWithFlippedIdatByteFailsOnCrc()
    {
        var bytes = File.ReadAllBytes(PathOf(Samples[0]));
        var idat = bytes.AsSpan().IndexOf("IDAT"u8);
        Assert.That(idat, Is.GreaterThan(0));
        bytes[idat + 4 + 10] ^= 0x01;
        var path = Scratch("png", bytes);

        var check = FrameFileVerifier.Verify(path, "PNG", 64, 48);

        Assert.That(check.Ok, Is.False);
        Assert.That(check.Problem, Does.Contain("CRC").And.Contain("IDAT"));
    }

    [Test]
    public void PngWithFixedUpCrcButBadFilterByteFails()
    {
        // Re-encode the image data with a filter type of 5 on the first row and a correct CRC: only the inflate walk can see this.
        var bytes = File.ReadAllBytes(PathOf(Samples[0]));
        var rows = new byte[48 * (1 + (64 * 4))];
        rows[0] = 5;
        var path = Scratch("png", ReplaceImageData(bytes, rows));

        var check = FrameFileVerifier.Verify(path, "PNG", 64, 48);

        Assert.That(check.Ok, Is.False);
        Assert.That(check.Problem, Does.Contain("filter"));
    }

    [Test]
    public void PngWithShortImageDataFails()
    {
        var bytes = File.ReadAllBytes(PathOf(Samples[0]));
        var path = Scratch("png", ReplaceImageData(bytes, new byte[47 * (1 + (64 * 4))]));

        var check = FrameFileVerifier.Verify(path, "PNG", 64, 48);

        Assert.That(check.Ok, Is.False);
        Assert.That(check.Problem, Does.StartWith("truncated PNG: IDAT data ends early"));
    }

    [Test]
    public void PngGivenAsJpegFails()
    {
        var check = FrameFileVerifier.Verify(PathOf(Samples[0]), "JPEG", 64, 48);

        Assert.That(check.Ok, Is.False);
        Assert.That(check.Problem, Does.StartWith("not a JPEG file"));
    }

    [Test]
    public void MissingPathFails()
    {
        var check = FrameFileVerifier.Verify(Path.Combine(directory, "no-such-frame.png"), "PNG", 64, 48);

        Assert.That(check, Is.EqualTo(new FrameCheck(false, "file does not exist", 0, 0, 0)));
    }

    [Test]
    public void UnknownFormatOnlyNeedsANonEmptyFile()
    {
        var path = Scratch("mkv", "not checked"u8);

        Assert.That(FrameFileVerifier.Verify(path, "FFMPEG", 64, 48), Is.EqualTo(new FrameCheck(true, null, 11, 0, 0)));
        Assert.That(FrameFileVerifier.Verify(Scratch("mkv", []), "FFMPEG", 64, 48).Problem, Is.EqualTo("file is empty"));
    }

    private string PathOf(Sample sample)
    {
        if (!saved.Contains(sample.Name))
        {
            Assert.Ignore($"Blender could not write {sample.Name} in this build");
        }

        return Path.Combine(directory, $"{sample.Name}.{sample.Extension}");
    }

    private string Scratch(string extension, ReadOnlySpan<byte> bytes)
    {
        var path = Path.Combine(directory, $"scratch-{Interlocked.Increment(ref scratchCounter)}.{extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Family(string format) => format switch
    {
        "OPEN_EXR_MULTILAYER" => "OPEN_EXR",
        "TARGA_RAW" => "TARGA",
        _ => format,
    };

    private static string Quote(string text) => "'" + text.Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>The PNG with its IDAT chunks replaced by one holding <paramref name="rows"/> compressed, with a correct CRC.</summary>
    private static byte[] ReplaceImageData(byte[] png, byte[] rows)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(rows);
        }

        using var output = new MemoryStream();
        output.Write(png.AsSpan(0, 8));
        var written = false;
        for (var at = 8; at < png.Length;)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            if (type != "IDAT")
            {
                output.Write(png.AsSpan(at, 12 + length));
            }
            else if (!written)
            {
                WriteChunk(output, "IDAT"u8, compressed.ToArray());
                written = true;
            }

            at += 12 + length;
        }

        return output.ToArray();
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var crc = new System.IO.Hashing.Crc32();
        crc.Append(type);
        crc.Append(data);
        output.Write(type);
        output.Write(data);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        output.Write(word);
    }
}
