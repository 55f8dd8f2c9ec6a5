package dev.bgl.server;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** Skips a property unless {@code -Dbgl.requests.long=true}: the long runs stay out of CI. */
public class LongRunOnly implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        return Boolean.getBoolean("bgl.requests.long") ? SkipResult.doNotSkip()
                : SkipResult.skip("long run: set -Dbgl.requests.long=true");
    }
}
