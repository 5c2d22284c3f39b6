using System.Net.WebSockets;
using System.Threading.Channels;

namespace WebSocketGuard;

/// <summary>
/// A client connection that heals itself: a new <see cref="ClientWebSocket"/> per attempt, <see cref="Backoff"/> between
/// attempts (reset after a stable period), keep-alive with dead-peer detection, and one outbound queue that survives reconnects.
/// </summary>
/// <remarks>
/// <para>Messages sent while disconnected wait in the queue (bounded by <see cref="ReconnectingWebSocketOptions.Sender"/>)
/// and go out after the next connect; what the overflow policy rejects, or what is in flight when a connection breaks,
/// is counted in <see cref="DroppedCount"/>. Delivery is at most once.</para>
/// <para>Received messages go to <see cref="ReconnectingWebSocketOptions.OnMessage"/> or, without it, to <see cref="Messages"/>.</para>
/// <para>Events are raised on the connection loop; exceptions thrown by event handlers are caught and ignored so a
/// faulty handler cannot stop reconnection.</para>
/// </remarks>
public sealed class ReconnectingWebSocket : IAsyncDisposable
{
    private readonly Uri _uri;
    private readonly ReconnectingWebSocketOptions _options;
    private readonly WebSocketSender _sender;
    private readonly Channel<WebSocketMessage>? _channel;
    private readonly Func<WebSocketMessage, CancellationToken, ValueTask> _onMessage;
    private readonly CancellationTokenSource _runCts = new();
    private readonly object _lock = new();
    private TaskCompletionSource _connectedSignal = NewSignal();
    private WebSocket? _current;
    private Task? _run;
    private bool _stopping;

    /// <summary>Creates a client for <paramref name="uri"/>; call <see cref="StartAsync"/> to connect.</summary>
    /// <param name="uri">An absolute <c>ws://</c> or <c>wss://</c> address.</param>
    /// <param name="options">Settings; defaults when null. Read once here.</param>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is not an absolute ws/wss address, or an option is invalid.</exception>
    public ReconnectingWebSocket(Uri uri, ReconnectingWebSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new ArgumentException($"The address must be an absolute ws:// or wss:// URI (was '{uri}').", nameof(uri));
        }

        _options = options ?? new ReconnectingWebSocketOptions();
        _options.Validate();
        _uri = uri;
        _sender = new WebSocketSender(_options.Sender, _options.TimeProvider)
        {
            // A failed send leaves the connection unusable; aborting makes the receive loop end and reconnect.
            SendFailed = static (socket, _) => socket.Abort(),
        };
        if (_options.OnMessage is { } onMessage)
        {
            _onMessage = onMessage;
        }
        else
        {
            var channel = Channel.CreateBounded<WebSocketMessage>(new BoundedChannelOptions(_options.ReceiveBufferCapacity)
            {
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _channel = channel;
            _onMessage = (message, token) => channel.Writer.WriteAsync(message.Detach(), token);
        }
    }

    /// <summary>Raised after each successful connect.</summary>
    public event EventHandler? Connected;

    /// <summary>Raised after a connection ends, with the reason.</summary>
    public event EventHandler<DisconnectedEventArgs>? Disconnected;

    /// <summary>Raised before each wait for a new attempt, with the attempt number and the delay.</summary>
    public event EventHandler<ReconnectingEventArgs>? Reconnecting;

    /// <summary>The server address.</summary>
    public Uri Uri => _uri;

    /// <summary>Whether a connection is currently open.</summary>
    public bool IsConnected => Volatile.Read(ref _current) is { State: WebSocketState.Open };

    /// <summary>
    /// Received messages (copies, safe to keep) when no <see cref="ReconnectingWebSocketOptions.OnMessage"/> callback is set;
    /// completes after <see cref="StopAsync"/>. Bounded: when nobody reads, receiving pauses.
    /// </summary>
    /// <exception cref="InvalidOperationException">A callback was configured instead.</exception>
    public ChannelReader<WebSocketMessage> Messages =>
        _channel?.Reader ?? throw new InvalidOperationException("Messages go to ReconnectingWebSocketOptions.OnMessage; the channel is not used.");

    /// <summary>Messages dropped by the send queue's policy or lost with a broken connection.</summary>
    public long DroppedCount => _sender.DroppedCount;

    /// <summary>Messages waiting to be sent.</summary>
    public int QueuedCount => _sender.QueuedCount;

    /// <summary>The connection loop: completes after <see cref="StopAsync"/>; faults when <see cref="Backoff.MaxAttempts"/> ran out.</summary>
    public Task Completion => _run ?? Task.CompletedTask;

    /// <summary>Starts connecting in the background and returns at once; see <see cref="WaitForConnectionAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_run is not null)
            {
                throw new InvalidOperationException("The client was already started; create a new ReconnectingWebSocket to start again.");
            }

            _run = Task.Run(() => RunAsync(_runCts.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Completes when a connection is open (at once if one is).</summary>
    /// <exception cref="InvalidOperationException">The client stopped before connecting.</exception>
    public Task WaitForConnectionAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _connectedSignal).Task.WaitAsync(cancellationToken);

    /// <inheritdoc cref="WebSocketSender.SendAsync"/>
    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType = WebSocketMessageType.Binary, CancellationToken cancellationToken = default) =>
        _sender.SendAsync(message, messageType, cancellationToken);

    /// <inheritdoc cref="WebSocketSender.SendTextAsync"/>
    public ValueTask<bool> SendTextAsync(string text, CancellationToken cancellationToken = default) =>
        _sender.SendTextAsync(text, cancellationToken);

    /// <summary>
    /// Stops: sends what is queued (within the sender's send timeout) when connected, closes the connection with a bounded
    /// handshake, and ends the loop. Nothing keeps running afterwards. Cancelling <paramref name="cancellationToken"/> skips the niceties.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task? run;
        lock (_lock)
        {
            run = _run;
            if (_stopping)
            {
                run = null;
            }

            _stopping = true;
        }

        if (run is null)
        {
            await _sender.StopNowAsync().ConfigureAwait(false);
            _channel?.Writer.TryComplete();
            if (_run is { } other)
            {
                await Settle(other, GracefulClose.DefaultTimeout).ConfigureAwait(false);
            }

            return;
        }

        using var hurry = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _runCts);
        var socket = Volatile.Read(ref _current);
        if (socket is { State: WebSocketState.Open })
        {
            await _sender.DisposeAsync().ConfigureAwait(false);
            await GracefulClose.CloseOutputBoundedAsync(socket, WebSocketCloseStatus.NormalClosure, "Client stopping", GracefulClose.DefaultTimeout, _options.TimeProvider).ConfigureAwait(false);
        }
        else
        {
            // Not connected: nothing to close or drain; stop the backoff wait or connect attempt now.
            _runCts.Cancel();
            await _sender.StopNowAsync().ConfigureAwait(false);
        }

        // The receive loop ends when the server echoes our Close; if it does not, cancel (which aborts).
        if (!await Settle(run, GracefulClose.DefaultTimeout).ConfigureAwait(false))
        {
            _runCts.Cancel();
            await Settle(run, GracefulClose.DefaultTimeout).ConfigureAwait(false);
        }

        await _sender.StopNowAsync().ConfigureAwait(false);
    }

    private async Task<bool> Settle(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout, _options.TimeProvider).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception)
        {
            // A give-up failure stays on Completion.
            return true;
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var timeProvider = _options.TimeProvider;
        var loopOptions = new ReceiveLoopOptions { MaxMessageSize = _options.MaxMessageSize, TimeProvider = timeProvider };
        var attempt = 0;
        Exception? giveUp = null;
        try
        {
            while (!stop.IsCancellationRequested && !Volatile.Read(ref _stopping))
            {
                var client = _options.SocketFactory?.Invoke() ?? new ClientWebSocket();
                if (client.State != WebSocketState.None)
                {
                    throw new InvalidOperationException("ReconnectingWebSocketOptions.SocketFactory must return a new, unconnected ClientWebSocket each time; a ClientWebSocket cannot be reused.");
                }

                Exception? connectError = null;
                try
                {
                    KeepAlive.Configure(client.Options, _options.KeepAliveInterval, _options.KeepAliveTimeout);
                    _options.ConfigureSocket?.Invoke(client.Options);
                    using var connectTimeout = new CancellationTokenSource(_options.ConnectTimeout, timeProvider);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, connectTimeout.Token);
                    await client.ConnectAsync(_uri, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or HttpRequestException or InvalidOperationException)
                {
                    client.Dispose();
                    connectError = ex;
                }

                if (connectError is not null)
                {
                    if (stop.IsCancellationRequested || Volatile.Read(ref _stopping))
                    {
                        break;
                    }

                    if (!await WaitBeforeRetryAsync(attempt++, connectError, stop).ConfigureAwait(false))
                    {
                        giveUp = connectError;
                        break;
                    }

                    continue;
                }

                var socket = Watch(client);
                var connectedAt = timeProvider.GetTimestamp();
                WebSocketGuardMetrics.ActiveConnections.Add(1);
                Volatile.Write(ref _current, socket);
                _sender.Attach(socket);
                Volatile.Read(ref _connectedSignal).TrySetResult();
                Raise(Connected, EventArgs.Empty);

                ReceiveLoopResult result;
                try
                {
                    result = await ReceiveLoop.RunAsync(socket, _onMessage, loopOptions, stop).ConfigureAwait(false);
                }
                finally
                {
                    _sender.Detach(socket);
                    Volatile.Write(ref _current, null);
                    lock (_lock)
                    {
                        if (_connectedSignal.Task.IsCompleted)
                        {
                            _connectedSignal = NewSignal();
                        }
                    }

                    WebSocketGuardMetrics.ActiveConnections.Add(-1);
                    if (socket.State != WebSocketState.Closed)
                    {
                        socket.Abort();
                    }

                    socket.Dispose();
                }

                Raise(Disconnected, new DisconnectedEventArgs(result));
                if (stop.IsCancellationRequested || Volatile.Read(ref _stopping))
                {
                    break;
                }

                if (timeProvider.GetElapsedTime(connectedAt) >= _options.StablePeriod)
                {
                    attempt = 0;
                }

                if (!await WaitBeforeRetryAsync(attempt++, result.Exception, stop).ConfigureAwait(false))
                {
                    giveUp = result.Exception ?? new WebSocketException(WebSocketError.ConnectionClosedPrematurely, result.ToString());
                    break;
                }
            }
        }
        finally
        {
            _channel?.Writer.TryComplete();
            Volatile.Read(ref _connectedSignal).TrySetException(new InvalidOperationException("The ReconnectingWebSocket stopped before a connection was open."));
        }

        if (giveUp is not null && !stop.IsCancellationRequested && !Volatile.Read(ref _stopping))
        {
            await _sender.StopNowAsync().ConfigureAwait(false);
            throw new WebSocketException(WebSocketError.Faulted, $"Gave up reconnecting to {_uri} after {attempt} attempts: {giveUp.Message}", giveUp);
        }
    }

    private WebSocket Watch(ClientWebSocket client) =>
        // .NET 8 pings but never times out: abort when the server stays silent for interval + timeout.
        _options.UseIdleWatchdog
            ? KeepAlive.WithIdleTimeout(client, _options.KeepAliveInterval + _options.KeepAliveTimeout, _options.TimeProvider)
            : client;

    private async Task<bool> WaitBeforeRetryAsync(int attempt, Exception? error, CancellationToken stop)
    {
        var backoff = _options.Backoff;
        if (!backoff.CanRetry(attempt))
        {
            return false;
        }

        var delay = backoff.GetDelay(attempt);
        WebSocketGuardMetrics.ReconnectAttempts.Add(1);
        Raise(Reconnecting, new ReconnectingEventArgs(attempt + 1, delay, error));
        try
        {
            await Task.Delay(delay, _options.TimeProvider, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception)
        {
            // A handler's bug must not stop reconnection.
        }
    }

    private void Raise(EventHandler? handler, EventArgs args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception)
        {
            // A handler's bug must not stop reconnection.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Same as <see cref="StopAsync"/>, then releases resources.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _runCts.Dispose();
    }
}
