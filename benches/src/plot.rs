//! The plot of throughput against chunk size (SVG, plotters).

use std::path::Path;

use plotters::prelude::*;

use crate::sweep::SweepPoint;
use crate::BenchError;

/// Draws operations per second (chunk proving alone) against steps per
/// chunk, each point labelled with its value and padded rows, into `path`.
pub fn ops_per_chunk_size(points: &[SweepPoint], path: &Path) -> Result<(), BenchError> {
    let err = |e: String| BenchError::Plot(e);
    let max_capacity = points.iter().map(|p| p.capacity).max().unwrap_or(1);
    let max_ops = points.iter().map(|p| p.ops_per_s).fold(0.0, f64::max);
    let root = SVGBackend::new(path, (720, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Chunk proving throughput against chunk size",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(
            0usize..max_capacity + max_capacity / 8 + 1,
            0.0..max_ops * 1.25,
        )
        .map_err(|e| err(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc("steps (operations) per chunk")
        .y_desc("operations per second")
        .draw()
        .map_err(|e| err(e.to_string()))?;
    let series: Vec<(usize, f64)> = points.iter().map(|p| (p.capacity, p.ops_per_s)).collect();
    chart
        .draw_series(LineSeries::new(series.clone(), &BLUE))
        .map_err(|e| err(e.to_string()))?;
    // Throughput above each point, padded rows below: short labels, so
    // neighbouring capacities do not overlap.
    chart
        .draw_series(series.iter().zip(points).map(|(&(x, y), p)| {
            EmptyElement::at((x, y))
                + Circle::new((0, 0), 4, BLUE.filled())
                + Text::new(
                    format!("{:.2}", p.ops_per_s),
                    (-14, -22),
                    ("sans-serif", 13),
                )
                + Text::new(
                    format!("2^{} rows", p.degree_bits),
                    (-26, 10),
                    ("sans-serif", 12),
                )
        }))
        .map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))?;
    Ok(())
}
