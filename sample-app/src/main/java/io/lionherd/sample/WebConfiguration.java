package io.lionherd.sample;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Spring MVC set-up of the API: strict query parameters
 * ({@link QueryParameterInterceptor}) on {@code /api/**}, and the
 * {@code sample.parallel.*} properties.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ParallelProperties.class)
public class WebConfiguration implements WebMvcConfigurer {

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		registry.addInterceptor(new QueryParameterInterceptor()).addPathPatterns("/api/**");
	}

}
