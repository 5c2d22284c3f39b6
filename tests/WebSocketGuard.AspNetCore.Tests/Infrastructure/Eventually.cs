namespace WebSocketGuard.AspNetCore.Tests.Infrastructure;

/// <summary>Polling for "eventually" conditions: generous bounds, so load on a 2-core box cannot flake them.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    public static async Task True(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Generous);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }

    public static async Task<T> Within<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        try
        {
            return await task.WaitAsync(timeout ?? Generous);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out waiting for: {what}");
            throw;
        }
    }

    public static async Task Within(Task task, string what, TimeSpan? timeout = null)
    {
        try
        {
            await task.WaitAsync(timeout ?? Generous);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out waiting for: {what}");
        }
    }
}
