// One Kestrel server at a time: the broadcast test wants the machine to itself.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
