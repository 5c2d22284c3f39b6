using System.Runtime.InteropServices;

namespace WebSocketGuard.AspNetCore.Tests.Infrastructure;

/// <summary>Raises this process's soft open-file limit (never above the hard limit) for the 1,000-connection test.</summary>
internal static partial class FileDescriptors
{
    private const int RlimitNofile = 7; // Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);

    /// <summary>Returns the soft limit after trying to raise it to <paramref name="wanted"/>.</summary>
    public static ulong EnsureAtLeast(ulong wanted)
    {
        if (!OperatingSystem.IsLinux() || getrlimit(RlimitNofile, out var limit) != 0)
        {
            return ulong.MaxValue;
        }

        if (limit.Current >= wanted)
        {
            return limit.Current;
        }

        var raised = new RLimit { Current = Math.Min(wanted, limit.Maximum), Maximum = limit.Maximum };
        return setrlimit(RlimitNofile, raised) == 0 ? raised.Current : limit.Current;
    }
}
