package dev.bgl.server.feedback;

import dev.bgl.server.FeedbackService;

import java.util.List;

/**
 * Child process of the kill -9 test: writes requests and ratings in a burst to the database given
 * as args[0] and prints each id to stdout only after the store's call returned (acknowledged).
 */
public final class RatingBurstMain {
    public static void main(String[] args) {
        var store = FeedbackStores.open(args[0]);
        System.out.println("ready");
        System.out.flush();
        for (int i = 0; i < 1_000_000; i++) {
            String id = "burst-" + i;
            store.recordRequest(new FeedbackService.RequestRecord(id, "u" + (i % 3), TaskTypes.hash("q" + i), "sum", "guided",
                    64, "64tok", 40, 5, 0.1, true, true, System.currentTimeMillis()));
            if (!store.recordRating(new FeedbackService.Rating(id, "u" + (i % 3), 1 + i % 5, List.of("good"), "", System.currentTimeMillis())))
                throw new IllegalStateException("rating of a request just stored was refused: " + id);
            System.out.println(id);
            System.out.flush();
        }
    }
}
