/**
 * bgl embedded in a Java application: {@link dev.bgl.api.Bgl#load} opens a model (and the budget
 * predictor beside it) and returns a {@link dev.bgl.api.BglModel}, which answers questions under a
 * {@link dev.bgl.budget.Budget}, plainly or streamed, from several threads at once. A layer after
 * {@code budget}: it uses the engine and the budget methods, and nothing above them (no server, no
 * eval, no CLI), so an application that embeds bgl needs none of those on its class path.
 */
package dev.bgl.api;
