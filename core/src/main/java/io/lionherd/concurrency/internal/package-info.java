/**
 * Implementation classes shared by the other packages. Not an API: anything here may
 * change in any release.
 */
@NullMarked
package io.lionherd.concurrency.internal;

import org.jspecify.annotations.NullMarked;
